package dashboard

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrTemplate is returned when template.yaml lacks what the dashboard is
// built from.
var ErrTemplate = errors.New("dashboard: template")

// Template is what the dashboard needs to know of template.yaml: its
// resources, its alarms and its routes. It is read from the file, so an
// alarm or a resource added there is on the dashboard after `make
// dashboard-gen`, with no change here.
type Template struct {
	// Types maps each resource's logical id to its Type.
	Types map[string]string
	// Alarms are the AWS::CloudWatch::Alarm resources, by logical id.
	Alarms []Alarm
	// Routes are the HttpApi events of the functions, in template order.
	Routes []Route
	// Parameters holds each parameter's Default ("" when it has none).
	Parameters map[string]string
	// Indexes maps each DynamoDB table's logical id to its global secondary
	// index names.
	Indexes map[string][]string
}

// Alarm is one AWS::CloudWatch::Alarm of the template.
type Alarm struct {
	ID          string // logical id
	Name        string // AlarmName as written, e.g. "${AWS::StackName}-webhook-5xx"
	Description string
	Metric      Metric // namespace, name, dimensions and statistic it watches
	// Threshold is the literal threshold, or the Default of the parameter
	// it refers to.
	Threshold string
	// Comparison is the ComparisonOperator.
	Comparison string
}

// Route is one API route and the function behind it.
type Route struct {
	Method, Path string
	Function     string // logical id
}

// ReadTemplate reads the template at path.
func ReadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseTemplate(data)
}

// ParseTemplate reads a CloudFormation/SAM template in YAML, short-form
// intrinsic functions (!Ref, !Sub, ...) included.
func ParseTemplate(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTemplate, err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("%w: empty document", ErrTemplate)
	}
	root := doc.Content[0]
	resources := lookup(root, "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: no Resources", ErrTemplate)
	}
	t := &Template{Types: map[string]string{}, Parameters: map[string]string{}, Indexes: map[string][]string{}}
	if params := lookup(root, "Parameters"); params != nil {
		for i := 0; i+1 < len(params.Content); i += 2 {
			t.Parameters[params.Content[i].Value] = scalar(lookup(params.Content[i+1], "Default"))
		}
	}
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, res := resources.Content[i].Value, resources.Content[i+1]
		typ := scalar(lookup(res, "Type"))
		t.Types[id] = typ
		props := lookup(res, "Properties")
		switch typ {
		case "AWS::CloudWatch::Alarm":
			a, err := t.alarm(id, props)
			if err != nil {
				return nil, err
			}
			t.Alarms = append(t.Alarms, a)
		case "AWS::DynamoDB::Table":
			if gsis := lookup(props, "GlobalSecondaryIndexes"); gsis != nil {
				for _, gsi := range gsis.Content {
					t.Indexes[id] = append(t.Indexes[id], scalar(lookup(gsi, "IndexName")))
				}
			}
		case "AWS::Serverless::Function":
			t.Routes = append(t.Routes, routes(id, props)...)
		}
	}
	sort.Slice(t.Alarms, func(i, j int) bool { return t.Alarms[i].ID < t.Alarms[j].ID })
	return t, nil
}

func (t *Template) alarm(id string, props *yaml.Node) (Alarm, error) {
	if lookup(props, "Metrics") != nil {
		return Alarm{}, fmt.Errorf("%w: alarm %s uses metric math (Metrics), which the dashboard does not read yet", ErrTemplate, id)
	}
	a := Alarm{
		ID:          id,
		Name:        scalar(lookup(props, "AlarmName")),
		Description: scalar(lookup(props, "AlarmDescription")),
		Comparison:  scalar(lookup(props, "ComparisonOperator")),
		Metric: Metric{
			Namespace: scalar(lookup(props, "Namespace")),
			Name:      scalar(lookup(props, "MetricName")),
			Stat:      scalar(lookup(props, "Statistic")),
		},
	}
	if a.Metric.Stat == "" {
		a.Metric.Stat = scalar(lookup(props, "ExtendedStatistic"))
	}
	if dims := lookup(props, "Dimensions"); dims != nil {
		for _, d := range dims.Content {
			a.Metric.Dims = append(a.Metric.Dims, Dim{Name: scalar(lookup(d, "Name")), Value: value(lookup(d, "Value"))})
		}
	}
	threshold := lookup(props, "Threshold")
	a.Threshold = scalar(threshold)
	if threshold != nil && threshold.Tag == "!Ref" {
		a.Threshold = t.Parameters[threshold.Value]
	}
	if a.Metric.Namespace == "" || a.Metric.Name == "" {
		return Alarm{}, fmt.Errorf("%w: alarm %s has no Namespace or MetricName", ErrTemplate, id)
	}
	return a, nil
}

// routes returns the HttpApi events of a function.
func routes(fn string, props *yaml.Node) []Route {
	events := lookup(props, "Events")
	if events == nil {
		return nil
	}
	var out []Route
	for i := 0; i+1 < len(events.Content); i += 2 {
		ev := events.Content[i+1]
		if scalar(lookup(ev, "Type")) != "HttpApi" {
			continue
		}
		p := lookup(ev, "Properties")
		out = append(out, Route{Method: strings.ToUpper(scalar(lookup(p, "Method"))), Path: scalar(lookup(p, "Path")), Function: fn})
	}
	return out
}

// lookup returns the value of key in mapping node n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalar returns the text of a scalar node, tag ignored ("" for others).
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// value turns a dimension value into a Value: a literal, or a !Ref to a
// resource or parameter.
func value(n *yaml.Node) Value {
	if n == nil {
		return Value{}
	}
	if n.Tag == "!Ref" {
		return Ref(n.Value)
	}
	if ref := lookup(n, "Ref"); ref != nil {
		return Ref(ref.Value)
	}
	return Lit(n.Value)
}
