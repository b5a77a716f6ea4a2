package dashboard

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

// ErrTemplate is returned when template.yaml lacks what the dashboard is
// built from.
var ErrTemplate = errors.New("dashboard: template")

// Template is what the dashboard reads of template.yaml, so an alarm or a
// resource added there is charted after `make dashboard-gen`.
type Template struct {
	Types      map[string]string   // each resource's logical id to its Type
	Alarms     []Alarm             // sorted by logical id
	Routes     []deployment.Route  // the functions' HttpApi events
	Parameters map[string]string   // each parameter's Default
	Indexes    map[string][]string // each table's logical id to its GSI names
}

// Alarm is one AWS::CloudWatch::Alarm of the template.
type Alarm struct {
	ID         string // logical id
	Name       string // AlarmName as written, e.g. "${AWS::StackName}-webhook-5xx"
	Metric     Metric // what it watches
	Threshold  string // literal, or the Default of the parameter it refers to
	Comparison string // ComparisonOperator
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
	slices.SortFunc(t.Alarms, func(a, b Alarm) int { return strings.Compare(a.ID, b.ID) })
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

func alarm(d *deployment.Deployment, id string, props json.RawMessage) (Alarm, error) {
	var p struct {
		AlarmName                                                               any // text, or Fn::Sub of it
		Namespace, MetricName, Statistic, ExtendedStatistic, ComparisonOperator string
		Threshold                                                               any
		Dimensions                                                              []struct {
			Name  string
			Value any
		}
		Metrics json.RawMessage
	}
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
	name, _ := p.AlarmName.(string)
	if sub, ok := p.AlarmName.(map[string]any); ok {
		name, _ = sub["Fn::Sub"].(string)
	}
	a := Alarm{ID: id, Name: name, Threshold: threshold, Comparison: p.ComparisonOperator,
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
