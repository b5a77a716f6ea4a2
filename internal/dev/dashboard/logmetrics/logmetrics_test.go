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

func TestSum(t *testing.T) {
	d := readFixture(t)
	if len(*d) != 16 {
		t.Errorf("%d points, want 16 (4 EMF metrics, 3 of each of 4 access lines)", len(*d))
	}
	webhookEMF := []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("webhook")}, fn("WebhookFunction")}
	for name, tc := range map[string]struct {
		m    dashboard.Metric
		want float64
	}{
		"emf sum":                 {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "Stored", Dims: webhookEMF}, 2},
		"emf other metric":        {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "SignatureRejected", Dims: webhookEMF}, 1},
		"emf of another function": {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "Created", Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("create-ticket")}, fn("CreateTicketFunction")}}, 1},
		"route count":             {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "Count", Dims: route("POST", "/webhooks/periskope")}, 3},
		"route 4xx":               {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "4xx", Dims: route("POST", "/webhooks/periskope")}, 1},
		"route 5xx":               {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "5xx", Dims: route("POST", "/webhooks/periskope")}, 1},
		"stage 5xx, all routes":   {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "5xx", Dims: route("POST", "/webhooks/periskope")[:2]}, 1},
		"stage count":             {dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "Count", Dims: route("", "")[:2]}, 4},
		// A metric that never occurred on a resource that reports its
		// namespace is zero.
		"never occurred": {dashboard.Metric{Namespace: "PeriskopeBridge", Name: "Ignored", Dims: webhookEMF}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := d.Sum(tc.m)
			if !ok || got != tc.want {
				t.Fatalf("Sum = %v, %v; want %v, true", got, ok, tc.want)
			}
		})
	}
	// A namespace or a function nothing reports has no local source, nor
	// has a statistic other than a sum.
	for _, m := range []dashboard.Metric{
		{Namespace: "PeriskopeBridge", Name: "Stored", Dims: webhookEMF, Stat: "p99"},
		{Namespace: "AWS/DynamoDB", Name: "ConsumedWriteCapacityUnits"},
		{Namespace: "AWS/Lambda", Name: "Throttles", Dims: []dashboard.Dim{fn("WebhookFunction")}},
		{Namespace: "PeriskopeBridge", Name: "Stored", Dims: []dashboard.Dim{fn("NoSuchFunction")}},
	} {
		if v, ok := d.Sum(m); ok {
			t.Errorf("%s %s = %v, want no local data", m.Namespace, m.Name, v)
		}
	}
}
