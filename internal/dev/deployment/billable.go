package deployment

import (
	"encoding/json"
	"fmt"
)

// Count returns how many resources of type typ ("AWS::CloudWatch::Dashboard")
// the stack creates with the parameter defaults.
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

// AccessLogFormats returns the access log format of each HTTP API stage
// that writes one.
func (d *Deployment) AccessLogFormats() ([]string, error) {
	var formats []string
	for _, id := range d.resourcesOfType("AWS::ApiGatewayV2::Stage") {
		var p struct{ AccessLogSettings struct{ Format string } }
		if err := json.Unmarshal(d.translated[id].Properties, &p); err != nil {
			return nil, fmt.Errorf("deployment: stage %s: %w", id, err)
		}
		if p.AccessLogSettings.Format != "" {
			formats = append(formats, p.AccessLogSettings.Format)
		}
	}
	return formats, nil
}
