// Package dashboard is the one definition of the stack's CloudWatch
// dashboard. From it comes the AWS::CloudWatch::Dashboard resource in
// template.yaml (Body, written there by `make dashboard-gen`); package
// dashboard/logmetrics reads the local system's logs as CloudWatch would,
// so that a test can check the widgets' metrics against a real run.
//
// The widgets are built from what the repository already says: the metric
// names the code emits through internal/emf (EmittedMetrics reads them from
// the source), and the functions, routes, table and alarms of template.yaml
// (ReadTemplate). Every metric is scoped to this stack's resources (its
// function names, API id and stage, table name), so stacks sharing an
// account never mix on one dashboard.
package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/periskope-connect/periskope-aws/internal/emf"
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
	Label     string // legend; the metric name when empty
}

// Dim returns the value of the dimension called name, and whether m has it.
func (m Metric) Dim(name string) (Value, bool) {
	i := slices.IndexFunc(m.Dims, func(d Dim) bool { return d.Name == name })
	if i < 0 {
		return Value{}, false
	}
	return m.Dims[i].Value, true
}

// Legend is the series' label on the dashboard.
func (m Metric) Legend() string {
	if m.Label != "" {
		return m.Label
	}
	return m.Name
}

// Kind tells how a widget is drawn.
type Kind int

// Widget kinds.
const (
	Graph  Kind = iota // metric series over time
	Alarms             // the state of a list of alarms
)

// Widget is one tile of the dashboard.
type Widget struct {
	Title   string
	Kind    Kind
	Metrics []Metric // Graph
	Alarms  []Alarm  // Alarms
	Width   int      // grid columns of 24
	Height  int      // grid rows
}

// Dashboard is the whole definition.
type Dashboard struct {
	// Name is the dashboard name as a Fn::Sub string; it includes the stage.
	Name    string
	Widgets []Widget
}

// Sources is what the dashboard is built from.
type Sources struct {
	Template *Template
	Emitted  []Emitted
	// Functions maps each function's logical id to the Function dimension
	// its EMF lines carry ("webhook"), in the order they are shown.
	Functions []FunctionName
}

// FunctionName pairs a function's logical id with its EMF Function value.
type FunctionName struct {
	ID  string // logical id, e.g. WebhookFunction
	EMF string // Function dimension, e.g. webhook
}

// packageTitles title the widget of each package's metrics, in this
// order; a package not listed gets a widget after these, titled by its
// path, so a metric added anywhere is charted after make dashboard-gen.
var packageTitles = []struct{ pkg, title string }{
	{"internal/webhook", "Webhook deliveries by outcome"},
	{"internal/createticket", "Create-ticket outcomes"},
	{"internal/secretcache", "Secret refresh failures"},
}

// titleIndex is pkg's index in packageTitles, or len(packageTitles).
func titleIndex(pkg string) int {
	for i, pt := range packageTitles {
		if pt.pkg == pkg {
			return i
		}
	}
	return len(packageTitles)
}

// packageTitle is the title of a package's widget.
func packageTitle(pkg string) string {
	if i := titleIndex(pkg); i < len(packageTitles) {
		return packageTitles[i].title
	}
	return "Metrics of " + pkg
}

// metricPackages returns the packages that emit metrics, those of
// packageTitles first, in its order, then the others by path.
func metricPackages(emitted []Emitted) []string {
	var pkgs []string
	for _, e := range emitted {
		if !slices.Contains(pkgs, e.Package) {
			pkgs = append(pkgs, e.Package)
		}
	}
	slices.SortFunc(pkgs, func(a, b string) int {
		if d := titleIndex(a) - titleIndex(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return pkgs
}

// Build returns the dashboard of the sources.
func Build(src Sources) (*Dashboard, error) {
	if src.Template == nil {
		return nil, fmt.Errorf("%w: none given", ErrTemplate)
	}
	d := &Dashboard{Name: "${AWS::StackName}-${StageName}"}
	for _, pkg := range metricPackages(src.Emitted) {
		if w, ok := emfWidget(pkg, src); ok {
			d.Widgets = append(d.Widgets, w)
		}
	}
	if w, ok := firstOneWidget(src.Template); ok {
		d.Widgets = append(d.Widgets, w)
	}
	d.Widgets = append(d.Widgets, lambdaWidgets(src)...)
	d.Widgets = append(d.Widgets, apiWidgets(src.Template)...)
	d.Widgets = append(d.Widgets, tableWidgets(src.Template)...)
	if len(src.Template.Alarms) > 0 {
		d.Widgets = append(d.Widgets, Widget{Title: "Alarms", Kind: Alarms, Alarms: src.Template.Alarms, Width: 24, Height: 2 + (len(src.Template.Alarms)+3)/4})
	}
	return d, nil
}

// emfWidget charts the metrics of package pkg, per function that emits
// them, scoped to this stack by FunctionName. When a metric comes from
// several functions, each legend names its function.
func emfWidget(pkg string, src Sources) (Widget, bool) {
	w := Widget{Title: packageTitle(pkg), Kind: Graph, Width: 12, Height: 6}
	multi := false
	for _, e := range src.Emitted {
		multi = multi || (e.Package == pkg && len(e.Functions) > 1)
	}
	for _, e := range src.Emitted {
		if e.Package != pkg {
			continue
		}
		for _, fn := range src.Functions {
			if !slices.Contains(e.Functions, fn.EMF) {
				continue
			}
			label := words(e.Name)
			if multi {
				label = fn.EMF + " " + label
			}
			w.Metrics = append(w.Metrics, Metric{Namespace: emf.Namespace, Name: e.Name, Stat: "Sum", Label: label,
				Dims: []Dim{{"Function", Lit(fn.EMF)}, {"FunctionName", Ref(fn.ID)}}})
		}
	}
	return w, len(w.Metrics) > 0
}

// firstOneWidget charts, on their own scale, the code's counts whose alarm
// fires on the first one (a signed delivery refused, a ticket DynamoDB
// rejected, a failed secret read): each is a ticket lost or about to be
// unless someone acts, and one such line drawn beside thousands of stored
// deliveries would not be seen. It is read from the template's alarms, so
// an alarm added at 1 is charted after make dashboard-gen.
func firstOneWidget(t *Template) (Widget, bool) {
	w := Widget{Title: "Counts that alarm at the first one", Kind: Graph, Width: 12, Height: 6}
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

func lambdaWidgets(src Sources) []Widget {
	duration := Widget{Title: "Function duration p50 / p99 (ms)", Kind: Graph, Width: 12, Height: 6}
	health := Widget{Title: "Function invocations, errors, throttles", Kind: Graph, Width: 12, Height: 6}
	for _, fn := range src.Functions {
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
		w := Widget{Title: "API " + r.Method + " " + r.Path, Kind: Graph, Width: 12, Height: 6}
		for _, name := range []string{"Count", "4xx", "5xx"} {
			w.Metrics = append(w.Metrics, Metric{Namespace: "AWS/ApiGateway", Name: name, Stat: "Sum",
				Label: map[string]string{"Count": "requests"}[name],
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
	capacity := Widget{Title: "DynamoDB consumed capacity", Kind: Graph, Width: 12, Height: 6}
	throttles := Widget{Title: "DynamoDB throttles", Kind: Graph, Width: 12, Height: 6}
	// The table, then each index: a GSI that cannot keep up throttles the
	// table's writes, so its throttles matter as much as the table's.
	type scope struct {
		prefix string
		dims   []Dim
	}
	scopes := []scope{{"", []Dim{{"TableName", Ref(table)}}}}
	for _, index := range t.Indexes[table] {
		scopes = append(scopes, scope{index + " ", []Dim{{"TableName", Ref(table)}, {"GlobalSecondaryIndexName", Lit(index)}}})
	}
	for _, s := range scopes {
		m := func(name, label string) Metric {
			return Metric{Namespace: "AWS/DynamoDB", Name: name, Dims: s.dims, Stat: "Sum", Label: s.prefix + label}
		}
		capacity.Metrics = append(capacity.Metrics, m("ConsumedWriteCapacityUnits", "write units"), m("ConsumedReadCapacityUnits", "read units"))
		throttles.Metrics = append(throttles.Metrics, m("WriteThrottleEvents", "write throttles"), m("ReadThrottleEvents", "read throttles"))
	}
	return []Widget{capacity, throttles}
}

// resourceOfType returns the first logical id of type typ, sorted by id.
func resourceOfType(t *Template, typ string) string {
	var ids []string
	for id, got := range t.Types {
		if got == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// words turns a metric name into a legend: "SignatureRejected" becomes
// "signature rejected".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
