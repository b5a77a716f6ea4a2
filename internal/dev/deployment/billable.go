package deployment

import (
	"encoding/json"
	"fmt"
)

// Count returns how many resources of the CloudFormation type typ
// ("AWS::CloudWatch::Dashboard") the stack creates with the parameter
// defaults.
func (d *Deployment) Count(typ string) int { return len(d.resourcesOfType(typ)) }

// AlarmMetrics returns how many metrics the stack's CloudWatch alarms watch,
// the unit CloudWatch bills alarms in: one for an alarm on a metric, one per
// metric queried for a metric math alarm.
func (d *Deployment) AlarmMetrics() (int, error) {
	n := 0
	for _, id := range d.resourcesOfType("AWS::CloudWatch::Alarm") {
		var p struct {
			MetricName string
			Metrics    []struct{ MetricStat json.RawMessage }
		}
		if err := json.Unmarshal(d.translated[id].Properties, &p); err != nil {
			return 0, fmt.Errorf("deployment: alarm %s: %w", id, err)
		}
		if len(p.Metrics) == 0 {
			n++
			continue
		}
		for _, m := range p.Metrics {
			if len(m.MetricStat) > 0 {
				n++
			}
		}
	}
	return n, nil
}
