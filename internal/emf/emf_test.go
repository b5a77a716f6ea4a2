package emf_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/emf"
)

func TestCountWritesOneEMFLine(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "")
	var buf bytes.Buffer
	emf.New(&buf, "webhook").Count("Stored", 1)
	line := buf.Bytes()
	if bytes.Count(line, []byte("\n")) != 1 {
		t.Fatalf("want one line, got %q", line)
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function string
		Stored   float64
	}
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.AWS.CloudWatchMetrics
	if doc.AWS.Timestamp == 0 || len(m) != 1 || m[0].Namespace != emf.Namespace ||
		len(m[0].Dimensions) != 1 || m[0].Dimensions[0][0] != "Function" ||
		len(m[0].Metrics) != 1 || m[0].Metrics[0].Name != "Stored" || m[0].Metrics[0].Unit != "Count" {
		t.Fatalf("EMF directive = %+v", doc.AWS)
	}
	if doc.Function != "webhook" || doc.Stored != 1 {
		t.Fatalf("values = %+v", doc)
	}
}

// In Lambda, each count is also recorded per deployed function, so two
// stacks in one account keep separate alarms.
func TestCountPerDeployedFunction(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "prod-WebhookFunction-abc")
	var buf bytes.Buffer
	emf.New(&buf, "webhook").Count("SignatureRejected", 1)
	var doc struct {
		AWS struct {
			CloudWatchMetrics []struct{ Dimensions [][]string }
		} `json:"_aws"`
		Function, FunctionName string
		SignatureRejected      float64
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	dims := doc.AWS.CloudWatchMetrics[0].Dimensions
	if len(dims) != 2 || len(dims[1]) != 2 || dims[1][0] != "Function" || dims[1][1] != "FunctionName" {
		t.Fatalf("dimensions = %v, want [[Function] [Function FunctionName]]", dims)
	}
	if doc.Function != "webhook" || doc.FunctionName != "prod-WebhookFunction-abc" || doc.SignatureRejected != 1 {
		t.Fatalf("values = %+v", doc)
	}
}
