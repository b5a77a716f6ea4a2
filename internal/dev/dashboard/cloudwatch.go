package dashboard

import (
	"encoding/json/v2"
	"errors"
	"fmt"
	"strings"
)

// Markers around the generated block in template.yaml. Splice replaces
// what lies between them, markers included.
const (
	BeginMarker = "  # BEGIN generated dashboard"
	EndMarker   = "  # END generated dashboard"
)

// ErrNoMarkers is returned by Splice when the template lacks the markers.
var ErrNoMarkers = errors.New("dashboard: template.yaml has no '" + strings.TrimSpace(BeginMarker) + "' ... '" + strings.TrimSpace(EndMarker) + "' block")

// Splice returns template with the generated block replaced by d's.
func Splice(template []byte, d *Dashboard) ([]byte, error) {
	before, block, begun := strings.Cut(string(template), BeginMarker)
	_, after, ended := strings.Cut(block, EndMarker)
	if !begun || !ended {
		return nil, ErrNoMarkers
	}
	_, after, _ = strings.Cut(after, "\n") // the rest of the end marker's line
	return []byte(before + d.resource() + after), nil
}

// resource returns the template.yaml block, markers included, that declares
// the dashboard. Its body is a Fn::Sub string, so CloudFormation fills in
// this stack's names (${LogicalId}, ${LogicalId.Arn}); one widget a line
// keeps diffs of template.yaml readable.
func (d *Dashboard) resource() string {
	const indent = "\n        "
	var widgets []string
	x, y, rowHeight := 0, 0, 0
	for _, w := range d.Widgets {
		if x+w.Width > 24 {
			x, y, rowHeight = 0, y+rowHeight, 0
		}
		b, err := json.Marshal(widgetJSON(w, x, y), json.Deterministic(true))
		if err != nil {
			panic(err) // maps of strings and numbers always encode
		}
		widgets = append(widgets, indent+string(b))
		x += w.Width
		rowHeight = max(rowHeight, w.Height)
	}
	return BeginMarker + ": `make dashboard-gen` writes this block from\n" +
		"  # internal/dev/dashboard; change the definition there, not here.\n" +
		"  Dashboard:\n    Type: AWS::CloudWatch::Dashboard\n    Properties:\n" +
		fmt.Sprintf("      DashboardName: !Sub %q\n", d.Name) +
		"      DashboardBody: !Sub |" + indent + `{"widgets": [` + strings.Join(widgets, ",") + indent + "]}\n" + EndMarker + "\n"
}

func widgetJSON(w Widget, x, y int) map[string]any {
	out := map[string]any{"x": x, "y": y, "width": w.Width, "height": w.Height}
	switch {
	case len(w.Alarms) > 0:
		arns := make([]string, len(w.Alarms))
		for i, a := range w.Alarms {
			arns[i] = "${" + a.ID + ".Arn}"
		}
		out["type"] = "alarm"
		out["properties"] = map[string]any{"title": sub(w.Title), "alarms": arns, "sortBy": "stateUpdatedTimestamp"}
	default:
		metrics := make([][]any, len(w.Metrics))
		for i, m := range w.Metrics {
			row := []any{m.Namespace, m.Name}
			for _, d := range m.Dims {
				row = append(row, d.Name, d.Value.sub())
			}
			metrics[i] = append(row, map[string]any{"stat": m.Stat, "label": sub(m.Label)})
		}
		out["type"] = "metric"
		out["properties"] = map[string]any{"title": sub(w.Title), "region": "${AWS::Region}", "view": "timeSeries",
			"stacked": false, "period": 300, "metrics": metrics} // the alarms' Period
	}
	return out
}

// sub returns v as Fn::Sub text: a reference, or a literal with any "${"
// escaped as Fn::Sub wants.
func (v Value) sub() string {
	if v.Ref != "" {
		return "${" + v.Ref + "}"
	}
	return sub(v.Lit)
}

func sub(lit string) string { return strings.ReplaceAll(lit, "${", "${!") }
