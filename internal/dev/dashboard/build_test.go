package dashboard_test

import (
	"reflect"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

func titles(d *dashboard.Dashboard) []string {
	var out []string
	for _, w := range d.Widgets {
		out = append(out, w.Title)
	}
	return out
}

// Each package that emits metrics gets a widget: the known ones first, then
// the others by path; a metric of two functions is charted for each.
func TestBuildWidgetPerPackage(t *testing.T) {
	tmpl, err := dashboard.ParseTemplate([]byte(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	src := dashboard.Sources{
		Template:  tmpl,
		Functions: []dashboard.FunctionName{{ID: "Fn", EMF: "fn"}, {ID: "Other", EMF: "other"}},
		Emitted: []dashboard.Emitted{
			{Name: "Zed", Package: "internal/zeta", Functions: []string{"fn"}},
			{Name: "RefreshFailed", Package: "internal/shared", Functions: []string{"fn", "other"}},
			{Name: "Stored", Package: "internal/webhook", Functions: []string{"fn"}},
		},
	}
	d, err := dashboard.Build(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Webhook deliveries by outcome", "Metrics of internal/shared", "Metrics of internal/zeta",
		"Function duration p50 / p99 (ms)", "Function invocations, errors, throttles", "API POST /things",
		"DynamoDB consumed capacity", "DynamoDB throttles", "Alarms"}
	if got := titles(d); !reflect.DeepEqual(got, want) {
		t.Fatalf("widgets = %q\nwant %q", got, want)
	}
	var legends []string
	for _, m := range d.Widgets[1].Metrics {
		legends = append(legends, m.Legend())
		if v, _ := m.Dim("FunctionName"); v.Ref == "" {
			t.Errorf("%s: FunctionName is not a reference to the stack's function", m.Legend())
		}
	}
	if want := []string{"fn refresh failed", "other refresh failed"}; !reflect.DeepEqual(legends, want) {
		t.Errorf("legends = %q, want %q", legends, want)
	}
	if alarms := d.Widgets[len(d.Widgets)-1].Alarms; len(alarms) != len(tmpl.Alarms) {
		t.Errorf("alarm widget shows %d alarms, want %d", len(alarms), len(tmpl.Alarms))
	}
}

func TestBuildNeedsATemplate(t *testing.T) {
	if _, err := dashboard.Build(dashboard.Sources{}); err == nil {
		t.Fatal("Build without a template succeeded")
	}
}
