package dashboard

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

// ErrTemplate is returned when template.yaml lacks what the dashboard is
// built from.
var ErrTemplate = errors.New("dashboard: template")

// Template is what the dashboard needs to know of template.yaml: its
// resources, its alarms and its routes. It is read from the file, so an
// alarm or a resource added there is on the dashboard after `make
// dashboard-gen`, with no change here.
type Template struct {
	// Types maps each resource's logical id to its Type as written.
	Types map[string]string
	// Alarms are the AWS::CloudWatch::Alarm resources, by logical id.
	Alarms []Alarm
	// Routes are the HttpApi events of the functions, by logical id.
	Routes []deployment.Route
	// Parameters holds each parameter's Default.
	Parameters map[string]string
	// Indexes maps each DynamoDB table's logical id to its global secondary
	// index names.
	Indexes map[string][]string
}

// Alarm is one AWS::CloudWatch::Alarm of the template.
type Alarm struct {
	ID     string // logical id
	Name   string // AlarmName as written, e.g. "${AWS::StackName}-webhook-5xx"
	Metric Metric // namespace, name, dimensions and statistic it watches
	// Threshold is the literal threshold, or the Default of the parameter
	// it refers to.
	Threshold string
	// Comparison is the ComparisonOperator.
	Comparison string
}

// ReadTemplate reads the template at path as package deployment expands
// it with root's translator (which refuses a template without Resources).
func ReadTemplate(root, path string) (*Template, error) {
	d, err := deployment.LoadTemplate(root, path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	t := &Template{Types: map[string]string{}, Parameters: d.Parameters, Indexes: map[string][]string{}}
	for id, r := range d.Resources() {
		t.Types[id] = r.Type
		if r.Type == "AWS::CloudWatch::Alarm" {
			a, err := alarm(d, id, r.Properties)
			if err != nil {
				return nil, err
			}
			t.Alarms = append(t.Alarms, a)
		}
	}
	sort.Slice(t.Alarms, func(i, j int) bool { return t.Alarms[i].ID < t.Alarms[j].ID })
	tables, err := d.Tables()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	for _, table := range tables {
		for _, gsi := range table.CreateTableInput("").GlobalSecondaryIndexes {
			t.Indexes[table.LogicalID] = append(t.Indexes[table.LogicalID], aws.ToString(gsi.IndexName))
		}
	}
	fns, err := d.Functions()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	for _, fn := range fns {
		for _, r := range fn.Routes {
			r.Method = strings.ToUpper(r.Method)
			t.Routes = append(t.Routes, r)
		}
	}
	return t, nil
}

// alarmProperties are the properties of an alarm the dashboard reads.
type alarmProperties struct {
	AlarmName                                                               any // text, or Fn::Sub of it
	Namespace, MetricName, Statistic, ExtendedStatistic, ComparisonOperator string
	Threshold                                                               any
	Dimensions                                                              []struct {
		Name  string
		Value any
	}
	Metrics json.RawMessage
}

func alarm(d *deployment.Deployment, id string, props json.RawMessage) (Alarm, error) {
	var p alarmProperties
	if err := json.Unmarshal(props, &p); err != nil {
		return Alarm{}, fmt.Errorf("%w: alarm %s: %v", ErrTemplate, id, err)
	}
	if p.Metrics != nil {
		return Alarm{}, fmt.Errorf("%w: alarm %s uses metric math (Metrics), which the dashboard does not read yet", ErrTemplate, id)
	}
	if p.Namespace == "" || p.MetricName == "" {
		return Alarm{}, fmt.Errorf("%w: alarm %s has no Namespace or MetricName", ErrTemplate, id)
	}
	threshold, err := d.Resolve(p.Threshold, func(string) (string, bool) { return "", false }, nil)
	if err != nil {
		return Alarm{}, fmt.Errorf("%w: alarm %s: %w", ErrTemplate, id, err)
	}
	a := Alarm{ID: id, Name: text(p.AlarmName), Threshold: threshold, Comparison: p.ComparisonOperator,
		Metric: Metric{Namespace: p.Namespace, Name: p.MetricName, Stat: cmp.Or(p.Statistic, p.ExtendedStatistic)}}
	for _, dim := range p.Dimensions {
		v := Lit(fmt.Sprint(dim.Value))
		if intrinsic, ok := dim.Value.(map[string]any); ok {
			ref, _ := intrinsic["Ref"].(string)
			v = Ref(ref)
		}
		a.Metric.Dims = append(a.Metric.Dims, Dim{Name: dim.Name, Value: v})
	}
	return a, nil
}

// text returns a text property, or the text of its Fn::Sub.
func text(v any) string {
	if sub, ok := v.(map[string]any); ok {
		v = sub["Fn::Sub"]
	}
	s, _ := v.(string)
	return s
}
