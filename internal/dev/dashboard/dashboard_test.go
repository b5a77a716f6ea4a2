package dashboard_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/emf"
)

// root is the module root: go test runs in internal/dev/dashboard.
const root = "../../.."

func readTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, deployment.Template))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The committed template carries exactly what `make dashboard-gen` writes
// from the definition, the code's metrics and the template's alarms.
func TestTemplateDashboardIsGenerated(t *testing.T) {
	d, err := dashboard.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	committed := readTemplate(t)
	want, err := dashboard.Splice(committed, d)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(committed) {
		t.Fatalf("template.yaml's dashboard is not the generated one: run make dashboard-gen and commit template.yaml")
	}
}

// committedBody is template.yaml's DashboardBody, as CloudFormation reads
// it, decoded.
type committedBody struct {
	Widgets []struct {
		Type       string
		Properties struct {
			Metrics [][]any
			Alarms  []string
		}
	}
}

func readBody(t *testing.T) (committedBody, *dashboard.Template) {
	t.Helper()
	data := readTemplate(t)
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				DashboardName yaml.Node `yaml:"DashboardName"`
				DashboardBody yaml.Node `yaml:"DashboardBody"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var dashboards []string
	var body committedBody
	for id, r := range doc.Resources {
		if r.Type != "AWS::CloudWatch::Dashboard" {
			continue
		}
		dashboards = append(dashboards, id)
		if name := r.Properties.DashboardName.Value; !strings.Contains(name, "${StageName}") {
			t.Errorf("%s: DashboardName %q does not include the stage", id, name)
		}
		if err := json.Unmarshal([]byte(r.Properties.DashboardBody.Value), &body); err != nil {
			t.Fatalf("%s: DashboardBody is not JSON: %v", id, err)
		}
	}
	if len(dashboards) != 1 {
		t.Fatalf("template.yaml has dashboards %v, want exactly one", dashboards)
	}
	tmpl, err := dashboard.ReadTemplate(root, filepath.Join(root, deployment.Template))
	if err != nil {
		t.Fatal(err)
	}
	return body, tmpl
}

// metricRow is one entry of a widget's metrics: namespace, name,
// dimension pairs, then the rendering options.
type metricRow struct {
	namespace, name string
	dims            map[string]string
}

func rows(t *testing.T, body committedBody) []metricRow {
	t.Helper()
	var out []metricRow
	for _, w := range body.Widgets {
		for _, raw := range w.Properties.Metrics {
			var r metricRow
			var strs []string
			for _, v := range raw {
				if s, ok := v.(string); ok {
					strs = append(strs, s)
				}
			}
			if len(strs) < 2 || len(strs)%2 != 0 {
				t.Fatalf("metric row %v: want namespace, name and dimension pairs", raw)
			}
			r.namespace, r.name, r.dims = strs[0], strs[1], map[string]string{}
			for i := 2; i < len(strs); i += 2 {
				r.dims[strs[i]] = strs[i+1]
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("the dashboard has no metric")
	}
	return out
}

// awsMetric describes the AWS namespace metrics the dashboard may use, with
// what each dimension must name. These are AWS's documented names.
var awsMetrics = map[string]struct {
	names []string
	dims  map[string]string // dimension -> resource type, "Parameter", or "" (literal)
}{
	"AWS/Lambda": {
		names: []string{"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
		dims:  map[string]string{"FunctionName": "AWS::Serverless::Function"},
	},
	"AWS/ApiGateway": {
		names: []string{"Count", "4xx", "5xx", "Latency", "IntegrationLatency"},
		dims:  map[string]string{"ApiId": "AWS::Serverless::HttpApi", "Stage": "Parameter", "Method": "", "Resource": ""},
	},
	"AWS/DynamoDB": {
		names: []string{"ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"},
		dims:  map[string]string{"TableName": "AWS::DynamoDB::Table", "GlobalSecondaryIndexName": "", "Operation": ""},
	},
}

var subRef = regexp.MustCompile(`^\$\{([A-Za-z0-9:]+)\}$`)

// Every metric on the dashboard is one the code emits (dashboard.Counts,
// which TestCountsAreWhatTheCodeCounts checks against the source) or an AWS metric of one of the template's own
// resources, named by a reference to it so no other stack's data shows.
func TestEveryMetricIsEmittedOrOfAStackResource(t *testing.T) {
	body, tmpl := readBody(t)
	for _, r := range rows(t, body) {
		if r.namespace == emf.Namespace {
			checkEmitted(t, r, tmpl)
			continue
		}
		spec, ok := awsMetrics[r.namespace]
		if !ok {
			t.Errorf("%s %s: namespace is neither the code's (%s) nor a known AWS one", r.namespace, r.name, emf.Namespace)
			continue
		}
		if !slices.Contains(spec.names, r.name) {
			t.Errorf("%s %s: not a metric of %s", r.namespace, r.name, r.namespace)
		}
		scoped := false
		for name, value := range r.dims {
			want, ok := spec.dims[name]
			if !ok {
				t.Errorf("%s %s: dimension %s is not one of %s", r.namespace, r.name, name, r.namespace)
				continue
			}
			m := subRef.FindStringSubmatch(value)
			switch {
			case want == "":
				if m != nil {
					t.Errorf("%s %s: %s = %s, want a literal", r.namespace, r.name, name, value)
				}
			case want == "Parameter":
				if _, ok := tmpl.Parameters[strings.Trim(value, "${}")]; m == nil || !ok {
					t.Errorf("%s %s: %s = %s, want a parameter reference", r.namespace, r.name, name, value)
				}
			default:
				if m == nil || tmpl.Types[m[1]] != want {
					t.Errorf("%s %s: %s = %s, want a reference to a %s of the template", r.namespace, r.name, name, value, want)
				}
				scoped = true
			}
		}
		if !scoped {
			t.Errorf("%s %s %v: no dimension names a resource of this stack", r.namespace, r.name, r.dims)
		}
		checkRoute(t, r, tmpl)
		checkIndex(t, r, tmpl)
	}
}

func checkEmitted(t *testing.T, r metricRow, tmpl *dashboard.Template) {
	t.Helper()
	i := slices.IndexFunc(dashboard.Counts, func(c dashboard.Counted) bool { return slices.Contains(c.Names, r.name) })
	if i < 0 {
		t.Errorf("%s %s: the code emits no such metric", r.namespace, r.name)
		return
	}
	if c := dashboard.Counts[i]; !slices.Contains(c.Functions, r.dims["Function"]) {
		t.Errorf("%s %s: Function=%q, but only %v emit it", r.namespace, r.name, r.dims["Function"], c.Functions)
	}
	m := subRef.FindStringSubmatch(r.dims["FunctionName"])
	if m == nil || tmpl.Types[m[1]] != "AWS::Serverless::Function" {
		t.Errorf("%s %s: FunctionName = %q, want a reference to a function of the template (this stack only)", r.namespace, r.name, r.dims["FunctionName"])
	}
}

func checkRoute(t *testing.T, r metricRow, tmpl *dashboard.Template) {
	t.Helper()
	method, path := r.dims["Method"], r.dims["Resource"]
	if method == "" && path == "" {
		return
	}
	if !slices.ContainsFunc(tmpl.Routes, func(rt deployment.Route) bool { return rt.Method == method && rt.Path == path }) {
		t.Errorf("%s %s: route %s %s is not in the template", r.namespace, r.name, method, path)
	}
}

func checkIndex(t *testing.T, r metricRow, tmpl *dashboard.Template) {
	t.Helper()
	index, ok := r.dims["GlobalSecondaryIndexName"]
	if !ok {
		return
	}
	table := strings.Trim(r.dims["TableName"], "${}")
	if !slices.Contains(tmpl.Indexes[table], index) {
		t.Errorf("%s %s: index %s is not an index of %s", r.namespace, r.name, index, table)
	}
}

// Every alarm of template.yaml, whoever adds it, is on the dashboard.
func TestEveryAlarmIsOnTheDashboard(t *testing.T) {
	body, tmpl := readBody(t)
	if len(tmpl.Alarms) == 0 {
		t.Fatal("the template has no alarm; the parser must be missing them")
	}
	var shown []string
	for _, w := range body.Widgets {
		shown = append(shown, w.Properties.Alarms...)
	}
	for _, a := range tmpl.Alarms {
		if !slices.Contains(shown, "${"+a.ID+".Arn}") {
			t.Errorf("alarm %s is not on the dashboard (run make dashboard-gen)", a.ID)
		}
	}
}

// Every metric the code emits is on the dashboard, for each function that
// emits it.
func TestEveryEmittedMetricIsOnTheDashboard(t *testing.T) {
	body, _ := readBody(t)
	all := rows(t, body)
	for _, c := range dashboard.Counts {
		for _, name := range c.Names {
			for _, fn := range c.Functions {
				if !slices.ContainsFunc(all, func(r metricRow) bool {
					return r.namespace == emf.Namespace && r.name == name && r.dims["Function"] == fn
				}) {
					t.Errorf("%s (%s, Function=%s) is not on the dashboard", name, c.Package, fn)
				}
			}
		}
	}
}

// An alarm on the code's namespace watches a metric the code emits.
func TestAlarmsWatchEmittedMetrics(t *testing.T) {
	_, tmpl := readBody(t)
	for _, a := range tmpl.Alarms {
		if a.Metric.Namespace != emf.Namespace {
			continue
		}
		if !slices.ContainsFunc(dashboard.Counts, func(c dashboard.Counted) bool { return slices.Contains(c.Names, a.Metric.Name) }) {
			t.Errorf("alarm %s watches %s, which the code never emits", a.ID, a.Metric.Name)
		}
	}
}

// The counts that alarm at the first one (a signed delivery refused, a
// ticket DynamoDB rejected, a failed secret read) have their own widget,
// on their own scale: one line among thousands of stored deliveries would
// not be seen.
func TestFirstOneAlarmsHaveTheirOwnWidget(t *testing.T) {
	d, err := dashboard.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	_, tmpl := readBody(t)
	i := slices.IndexFunc(d.Widgets, func(w dashboard.Widget) bool { return w.Title == "Counts that alarm at the first one" })
	if i < 0 {
		t.Fatal("no widget of the counts that alarm at the first one")
	}
	var charted []string
	for _, m := range d.Widgets[i].Metrics {
		fn, _ := m.Dim("Function")
		charted = append(charted, m.Name+"/"+fn.Lit)
	}
	want := []string{"SignedDeliveryRefused/webhook", "StoreRejected/webhook"}
	for _, a := range tmpl.Alarms {
		if a.Metric.Namespace == emf.Namespace && a.Threshold == "1" {
			fn, _ := a.Metric.Dim("Function")
			want = append(want, a.Metric.Name+"/"+fn.Lit)
		}
	}
	for _, w := range want {
		if !slices.Contains(charted, w) {
			t.Errorf("%s is not charted in the widget (charted: %v)", w, charted)
		}
	}
	if len(charted) != len(slices.Compact(slices.Sorted(slices.Values(want)))) {
		t.Errorf("charted %v, want exactly %v", charted, want)
	}
}
