// Package dashboard is the one definition of the stack's CloudWatch
// dashboard, which `make dashboard-gen` writes into template.yaml. Every
// metric is scoped to this stack's resources (function names, API id and
// stage, table name), so stacks sharing an account never mix on one
// dashboard.
package dashboard

import (
	"cmp"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

// Value is a dimension value: a literal, or a reference to a template
// resource or parameter (resolved by CloudFormation through Fn::Sub, and
// locally by logmetrics).
type Value struct {
	Lit string // literal text, when Ref is empty
	Ref string // logical id of a resource or parameter, or a pseudo parameter
}

// Lit returns a literal Value.
func Lit(s string) Value { return Value{Lit: s} }

// Ref returns a Value that refers to the template's logical id or parameter.
func Ref(id string) Value { return Value{Ref: id} }

// Dim is one metric dimension.
type Dim struct {
	Name  string
	Value Value
}

// Metric is one series of a widget.
type Metric struct {
	Namespace string
	Name      string
	Dims      []Dim
	Stat      string // Sum, Average, p50, p99, ...
	Label     string // legend
}

// Dim returns the value of the dimension called name, and whether m has it.
func (m Metric) Dim(name string) (Value, bool) {
	i := slices.IndexFunc(m.Dims, func(d Dim) bool { return d.Name == name })
	if i < 0 {
		return Value{}, false
	}
	return m.Dims[i].Value, true
}

// Widget is one tile of the dashboard: a graph of Metrics over time, or
// the state of Alarms.
type Widget struct {
	Title   string
	Metrics []Metric
	Alarms  []Alarm
	Width   int // grid columns of 24
	Height  int // grid rows
}

// Dashboard is the whole definition.
type Dashboard struct {
	Name    string // a Fn::Sub string that includes the stage
	Widgets []Widget
}

// Counted is what one package of the product counts through internal/emf:
// the metrics of one widget.
type Counted struct {
	Title     string   // the widget's title
	Package   string   // the package, relative to the module root
	Functions []string // EMF Function values of the functions whose binary links it
	Names     []string // its metric names
}

// Counts is every metric the product emits, in the order charted;
// TestCountsAreWhatTheCodeCounts checks it against the source.
var Counts = []Counted{
	{"Webhook deliveries by outcome", "internal/webhook", []string{"webhook"}, []string{webhook.MetricStored, webhook.MetricDuplicate,
		webhook.MetricIgnored, webhook.MetricSignatureRejected, webhook.MetricStoreRejected, webhook.MetricSignedDeliveryRefused}},
	{"Create-ticket outcomes", "internal/createticket", []string{"create-ticket"}, []string{createticket.MetricCreated,
		createticket.MetricIdempotentReplay, createticket.MetricUpstreamError, createticket.MetricUpstreamAttempts}},
	{"Secret refresh failures", "internal/secretcache", []string{"create-ticket", "webhook"}, []string{secretcache.MetricRefreshFailed}},
}

// Function pairs a function's logical id with the Function dimension its
// main gives emf.New.
type Function struct {
	ID  string // logical id, e.g. WebhookFunction
	EMF string // Function dimension, e.g. webhook
}

// Functions are the template's functions, in the order shown; checked by
// TestFunctionsAreTheTemplates.
var Functions = []Function{{"CreateTicketFunction", "create-ticket"}, {"WebhookFunction", "webhook"}}

// Load builds the dashboard of the repository at root: its template.yaml,
// Counts and Functions.
func Load(root string) (*Dashboard, error) {
	t, err := ReadTemplate(root, filepath.Join(root, deployment.Template))
	if err != nil {
		return nil, err
	}
	return Build(t, Counts, Functions), nil
}

// Build returns the dashboard of template t, the counts and the functions.
func Build(t *Template, counts []Counted, fns []Function) *Dashboard {
	d := &Dashboard{Name: "${AWS::StackName}-${StageName}"}
	for _, c := range counts {
		if w, ok := emfWidget(c, fns); ok {
			d.Widgets = append(d.Widgets, w)
		}
	}
	if w, ok := firstOneWidget(t); ok {
		d.Widgets = append(d.Widgets, w)
	}
	d.Widgets = append(d.Widgets, lambdaWidgets(fns)...)
	d.Widgets = append(d.Widgets, apiWidgets(t)...)
	d.Widgets = append(d.Widgets, tableWidgets(t)...)
	if len(t.Alarms) > 0 {
		d.Widgets = append(d.Widgets, Widget{Title: "Alarms", Alarms: t.Alarms, Width: 24, Height: 2 + (len(t.Alarms)+3)/4})
	}
	return d
}

// emfWidget charts one package's counts per function that emits them;
// when there are several, each legend names its function.
func emfWidget(c Counted, fns []Function) (Widget, bool) {
	w := Widget{Title: c.Title, Width: 12, Height: 6}
	for _, name := range c.Names {
		for _, fn := range fns {
			if !slices.Contains(c.Functions, fn.EMF) {
				continue
			}
			label := words(name)
			if len(c.Functions) > 1 {
				label = fn.EMF + " " + label
			}
			w.Metrics = append(w.Metrics, Metric{Namespace: emf.Namespace, Name: name, Stat: "Sum", Label: label,
				Dims: []Dim{{"Function", Lit(fn.EMF)}, {"FunctionName", Ref(fn.ID)}}})
		}
	}
	return w, len(w.Metrics) > 0
}

// firstOneWidget charts on their own scale the code's counts whose alarm
// fires at the first one: each is a ticket lost or about to be, and one such
// line beside thousands of stored deliveries would not be seen. It reads the
// template's alarms, so a new alarm at 1 is charted too.
func firstOneWidget(t *Template) (Widget, bool) {
	w := Widget{Title: "Counts that alarm at the first one", Width: 12, Height: 6}
	for _, a := range t.Alarms {
		if a.Metric.Namespace == emf.Namespace && a.Threshold == "1" && a.Comparison == "GreaterThanOrEqualToThreshold" {
			m := a.Metric
			m.Stat = "Sum"
			m.Label = words(m.Name)
			if fn, ok := m.Dim("Function"); ok && fn.Lit != "" {
				m.Label = fn.Lit + " " + m.Label
			}
			w.Metrics = append(w.Metrics, m)
		}
	}
	return w, len(w.Metrics) > 0
}

func lambdaWidgets(fns []Function) []Widget {
	duration := Widget{Title: "Function duration p50 / p99 (ms)", Width: 12, Height: 6}
	health := Widget{Title: "Function invocations, errors, throttles", Width: 12, Height: 6}
	for _, fn := range fns {
		dims := []Dim{{"FunctionName", Ref(fn.ID)}}
		for _, stat := range []string{"p50", "p99"} {
			duration.Metrics = append(duration.Metrics, Metric{Namespace: "AWS/Lambda", Name: "Duration", Dims: dims, Stat: stat, Label: fn.EMF + " " + stat})
		}
		for _, name := range []string{"Invocations", "Errors", "Throttles"} {
			health.Metrics = append(health.Metrics, Metric{Namespace: "AWS/Lambda", Name: name, Dims: dims, Stat: "Sum", Label: fn.EMF + " " + strings.ToLower(name)})
		}
	}
	return []Widget{duration, health}
}

// apiWidgets charts requests, 4xx and 5xx of each route, with the
// detailed-metrics dimensions the template's per-route alarms use.
func apiWidgets(t *Template) []Widget {
	api := resourceOfType(t, "AWS::Serverless::HttpApi")
	if api == "" {
		return nil
	}
	var out []Widget
	for _, r := range t.Routes {
		w := Widget{Title: "API " + r.Method + " " + r.Path, Width: 12, Height: 6}
		for _, name := range []string{"Count", "4xx", "5xx"} {
			w.Metrics = append(w.Metrics, Metric{Namespace: "AWS/ApiGateway", Name: name, Stat: "Sum",
				Label: cmp.Or(map[string]string{"Count": "requests"}[name], name),
				Dims:  []Dim{{"ApiId", Ref(api)}, {"Stage", Ref("StageName")}, {"Method", Lit(r.Method)}, {"Resource", Lit(r.Path)}}})
		}
		out = append(out, w)
	}
	return out
}

func tableWidgets(t *Template) []Widget {
	table := resourceOfType(t, "AWS::DynamoDB::Table")
	if table == "" {
		return nil
	}
	capacity := Widget{Title: "DynamoDB consumed capacity", Width: 12, Height: 6}
	throttles := Widget{Title: "DynamoDB throttles", Width: 12, Height: 6}
	// The table, then each index: a GSI that cannot keep up throttles the
	// table's writes, so its throttles matter as much as the table's.
	for _, index := range append([]string{""}, t.Indexes[table]...) {
		dims, prefix := []Dim{{"TableName", Ref(table)}}, ""
		if index != "" {
			dims, prefix = append(dims, Dim{"GlobalSecondaryIndexName", Lit(index)}), index+" "
		}
		m := func(name, label string) Metric {
			return Metric{Namespace: "AWS/DynamoDB", Name: name, Dims: dims, Stat: "Sum", Label: prefix + label}
		}
		capacity.Metrics = append(capacity.Metrics, m("ConsumedWriteCapacityUnits", "write units"), m("ConsumedReadCapacityUnits", "read units"))
		throttles.Metrics = append(throttles.Metrics, m("WriteThrottleEvents", "write throttles"), m("ReadThrottleEvents", "read throttles"))
	}
	return []Widget{capacity, throttles}
}

// resourceOfType returns the first logical id of type typ, sorted by id.
func resourceOfType(t *Template, typ string) string {
	for _, id := range slices.Sorted(maps.Keys(t.Types)) {
		if t.Types[id] == typ {
			return id
		}
	}
	return ""
}

// words turns a metric name into a legend: "SignatureRejected" becomes
// "signature rejected".
func words(name string) string {
	return strings.ToLower(innerCapital.ReplaceAllString(name, " $0"))
}

var innerCapital = regexp.MustCompile(`\B[A-Z]`)
