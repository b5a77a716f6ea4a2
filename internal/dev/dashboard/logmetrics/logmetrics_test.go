package logmetrics_test

import (
	"os"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
)

func readFixture(t *testing.T) *logmetrics.Data {
	t.Helper()
	f, err := os.Open("testdata/run.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &logmetrics.Data{}
	if err := d.Read(f); err != nil {
		t.Fatal(err)
	}
	return d
}

func fn(id string) dashboard.Dim {
	return dashboard.Dim{Name: "FunctionName", Value: dashboard.Ref(id)}
}

func route(method, path string) []dashboard.Dim {
	return []dashboard.Dim{{Name: "ApiId", Value: dashboard.Ref("HttpApi")}, {Name: "Stage", Value: dashboard.Ref("StageName")},
		{Name: "Method", Value: dashboard.Lit(method)}, {Name: "Resource", Value: dashboard.Lit(path)}}
}

func TestStat(t *testing.T) {
	d := readFixture(t)
	if d.Lines != 13 {
		t.Errorf("Lines = %d, want 13 (4 EMF, 5 REPORT, 4 access)", d.Lines)
	}
	webhookEMF := []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("webhook")}, fn("WebhookFunction")}
	for name, tc := range map[string]struct {
		m    dashboard.Metric
		want float64
	}{
		"emf sum":                 {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "Stored", Stat: "Sum", Dims: webhookEMF}, 2},
		"emf other metric":        {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "SignatureRejected", Stat: "Sum", Dims: webhookEMF}, 1},
		"emf of another function": {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "Created", Stat: "Sum", Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("create-ticket")}, fn("CreateTicketFunction")}}, 1},
		"duration p50":            {dashboard.Metric{Namespace: "AWS/Lambda", Name: "Duration", Stat: "p50", Dims: []dashboard.Dim{fn("WebhookFunction")}}, 4},
		"duration p99":            {dashboard.Metric{Namespace: "AWS/Lambda", Name: "Duration", Stat: "p99", Dims: []dashboard.Dim{fn("WebhookFunction")}}, 100},
		"invocations":             {dashboard.Metric{Namespace: "AWS/Lambda", Name: "Invocations", Stat: "Sum", Dims: []dashboard.Dim{fn("WebhookFunction")}}, 4},
		"errors":                  {dashboard.Metric{Namespace: "AWS/Lambda", Name: "Errors", Stat: "Sum", Dims: []dashboard.Dim{fn("WebhookFunction")}}, 1},
		"route count":             {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "Count", Stat: "Sum", Dims: route("POST", "/webhooks/periskope")}, 3},
		"route 4xx":               {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "4xx", Stat: "Sum", Dims: route("POST", "/webhooks/periskope")}, 1},
		"route 5xx":               {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "5xx", Stat: "Sum", Dims: route("POST", "/webhooks/periskope")}, 1},
		"stage 5xx, all routes":   {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "5xx", Stat: "Sum", Dims: route("POST", "/webhooks/periskope")[:2]}, 1},
		"stage count":             {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "Count", Stat: "Sum", Dims: route("", "")[:2]}, 4},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := d.Stat(tc.m)
			if !ok || got != tc.want {
				t.Fatalf("Stat = %v, %v; want %v, true", got, ok, tc.want)
			}
		})
	}
	// A metric that never occurred on a resource that reports its
	// namespace is zero; a namespace nothing reports has no local source.
	for _, m := range []dashboard.Metric{
		{Namespace: "PeriskopeBridge", Name: "Ignored", Stat: "Sum", Dims: webhookEMF},
		{Namespace: "AWS/Lambda", Name: "Throttles", Stat: "Sum", Dims: []dashboard.Dim{fn("WebhookFunction")}},
	} {
		if v, ok := d.Stat(m); !ok || v != 0 {
			t.Errorf("%s %s = %v, %v; want 0, true", m.Namespace, m.Name, v, ok)
		}
	}
	for _, m := range []dashboard.Metric{
		{Namespace: "AWS/DynamoDB", Name: "ConsumedWriteCapacityUnits", Stat: "Sum"},
		{Namespace: "PeriskopeBridge", Name: "Stored", Stat: "Sum", Dims: []dashboard.Dim{fn("NoSuchFunction")}},
	} {
		if v, ok := d.Stat(m); ok {
			t.Errorf("%s %s = %v, want no local data", m.Namespace, m.Name, v)
		}
	}
}

func TestAlarmState(t *testing.T) {
	d := readFixture(t)
	rejected := dashboard.Alarm{ID: "A", Threshold: "1", Comparison: "GreaterThanOrEqualToThreshold",
		Metric: dashboard.Metric{Namespace: "PeriskopeBridge", Name: "SignatureRejected", Stat: "Sum",
			Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("webhook")}, fn("WebhookFunction")}}}
	for name, tc := range map[string]struct {
		mutate func(*dashboard.Alarm)
		want   logmetrics.State
	}{
		"breached":          {func(*dashboard.Alarm) {}, logmetrics.StateAlarm},
		"below threshold":   {func(a *dashboard.Alarm) { a.Threshold = "10" }, logmetrics.StateOK},
		"greater than":      {func(a *dashboard.Alarm) { a.Comparison = "GreaterThanThreshold" }, logmetrics.StateOK},
		"never occurred":    {func(a *dashboard.Alarm) { a.Metric.Name = "Ignored" }, logmetrics.StateOK},
		"no local source":   {func(a *dashboard.Alarm) { a.Metric.Namespace = "AWS/DynamoDB" }, logmetrics.StateNoData},
		"unknown threshold": {func(a *dashboard.Alarm) { a.Threshold = "" }, logmetrics.StateNoData},
		"other function":    {func(a *dashboard.Alarm) { a.Metric.Dims[1] = fn("CreateTicketFunction") }, logmetrics.StateNoData},
	} {
		t.Run(name, func(t *testing.T) {
			a := rejected
			a.Metric.Dims = append([]dashboard.Dim(nil), rejected.Metric.Dims...)
			tc.mutate(&a)
			if got := d.AlarmState(a); got != tc.want {
				t.Fatalf("AlarmState = %s, want %s", got, tc.want)
			}
		})
	}
}
