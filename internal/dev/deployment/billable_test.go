package deployment_test

import (
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

// Alarms are counted in billed metrics: a metric math alarm counts each
// metric it queries, not its expression; a resource whose condition does
// not hold is not counted.
func TestBillableResourcesAreCounted(t *testing.T) {
	d, err := deployment.Load(fixtureRoot(t, []byte(`AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Extra:
    Type: String
    Default: "no"
Conditions:
  WantExtra: !Equals [!Ref Extra, "yes"]
Resources:
  Plain:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  Ratio:
    Type: AWS::CloudWatch::Alarm
    Properties:
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      Metrics:
        - Id: errors
          MetricStat: {Metric: {Namespace: AWS/Lambda, MetricName: Errors}, Period: 300, Stat: Sum}
          ReturnData: false
        - Id: calls
          MetricStat: {Metric: {Namespace: AWS/Lambda, MetricName: Invocations}, Period: 300, Stat: Sum}
          ReturnData: false
        - Id: ratio
          Expression: errors / calls
  Unused:
    Type: AWS::CloudWatch::Alarm
    Condition: WantExtra
    Properties:
      Namespace: AWS/Lambda
      MetricName: Throttles
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardBody: "{}"
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings:
        DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:access
        Format: '{"id":"$context.requestId"}'
`)))
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := d.AlarmMetrics()
	if err != nil {
		t.Fatal(err)
	}
	if metrics != 3 {
		t.Errorf("alarm metrics = %d, want 3 (1 plain, 2 queried by the math alarm, the conditional one not created)", metrics)
	}
	if got := d.Count("AWS::CloudWatch::Dashboard"); got != 1 {
		t.Errorf("dashboards = %d, want 1", got)
	}
	formats, err := d.AccessLogFormats()
	if err != nil {
		t.Fatal(err)
	}
	if len(formats) != 1 || formats[0] != `{"id":"$context.requestId"}` {
		t.Errorf("access log formats %q, want the HttpApi's one (on the stage SAM creates)", formats)
	}
}
