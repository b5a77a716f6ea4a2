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

// Each package that emits metrics gets a widget, in the order of Counts; a
// metric of two functions is charted for each, one of no function of the
// stack is not.
func TestBuildWidgetPerPackage(t *testing.T) {
	tmpl, err := dashboard.ReadTemplate(root, "testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fns := []dashboard.Function{{ID: "Fn", EMF: "fn"}, {ID: "Other", EMF: "other"}}
	counts := []dashboard.Counted{
		{Title: "Webhook deliveries by outcome", Package: "internal/webhook", Functions: []string{"fn"}, Names: []string{"Stored"}},
		{Title: "Metrics of internal/shared", Package: "internal/shared", Functions: []string{"fn", "other"}, Names: []string{"RefreshFailed"}},
		{Title: "Metrics of internal/zeta", Package: "internal/zeta", Functions: []string{"fn"}, Names: []string{"Zed"}},
		{Title: "Not linked", Package: "internal/nowhere", Functions: []string{"gone"}, Names: []string{"Never"}},
	}
	d := dashboard.Build(tmpl, counts, fns)
	want := []string{"Webhook deliveries by outcome", "Metrics of internal/shared", "Metrics of internal/zeta",
		"Function duration p50 / p99 (ms)", "Function invocations, errors, throttles", "API POST /things",
		"DynamoDB consumed capacity", "DynamoDB throttles", "Alarms"}
	if got := titles(d); !reflect.DeepEqual(got, want) {
		t.Fatalf("widgets = %q\nwant %q", got, want)
	}
	var legends []string
	for _, m := range d.Widgets[1].Metrics {
		legends = append(legends, m.Label)
		if v, _ := m.Dim("FunctionName"); v.Ref == "" {
			t.Errorf("%s: FunctionName is not a reference to the stack's function", m.Label)
		}
	}
	if want := []string{"fn refresh failed", "other refresh failed"}; !reflect.DeepEqual(legends, want) {
		t.Errorf("legends = %q, want %q", legends, want)
	}
	if alarms := d.Widgets[len(d.Widgets)-1].Alarms; len(alarms) != len(tmpl.Alarms) {
		t.Errorf("alarm widget shows %d alarms, want %d", len(alarms), len(tmpl.Alarms))
	}
}
