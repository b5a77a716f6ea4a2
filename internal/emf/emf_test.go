package emf_test

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

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

// TestCountWritesWhatMarshalWould: the hand-appended line is, as JSON, the
// document encoding/json.Marshal made of it before (the timestamp aside),
// for names that need escaping too; a value JSON cannot hold writes nothing.
func TestCountWritesWhatMarshalWould(t *testing.T) {
	for _, fnName := range []string{"", "prod-WebhookFunction-abc"} {
		t.Setenv("AWS_LAMBDA_FUNCTION_NAME", fnName)
		for _, tc := range []struct {
			function, name string
			value          float64
		}{
			{"webhook", "Stored", 1},
			{"create-ticket", "UpstreamFailed", 0},
			{`we"b\hook`, "a<b>&c\u2028\x01", 2.5},
			{"fn\xff", "né\xfe", -3},
			{"fn", "Big", 1e21},
			{"fn", "Small", 1e-7},
			{"fn", "Million", 1e6},
		} {
			var buf bytes.Buffer
			before := time.Now().UnixMilli()
			emf.New(&buf, tc.function).Count(tc.name, tc.value)
			after := time.Now().UnixMilli()
			// Strict JSON: valid UTF-8 and no member named twice, which
			// json.Unmarshal would let pass, keeping the last.
			if !jsontext.Value(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))).IsValid() {
				t.Errorf("Count(%q, %q) wrote %q, not strict JSON", tc.function, tc.name, buf.Bytes())
			}
			dims := [][]string{{"Function"}}
			want := map[string]any{"Function": tc.function, tc.name: tc.value}
			if fnName != "" {
				dims = append(dims, []string{"Function", "FunctionName"})
				want["FunctionName"] = fnName
			}
			want["_aws"] = map[string]any{"CloudWatchMetrics": []any{map[string]any{
				"Namespace": emf.Namespace, "Dimensions": dims,
				"Metrics": []any{map[string]string{"Name": tc.name, "Unit": "Count"}},
			}}}
			wantLine, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			var got, wantDoc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil || !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
				t.Fatalf("Count(%q, %q) wrote %q (%v), want one JSON line", tc.function, tc.name, buf.Bytes(), err)
			}
			if err := json.Unmarshal(wantLine, &wantDoc); err != nil {
				t.Fatal(err)
			}
			// The value as encoding/json writes a number (1e-7, not 1e-07).
			if num, _ := json.Marshal(tc.value); !bytes.HasSuffix(buf.Bytes(), fmt.Appendf(nil, ":%s}\n", num)) {
				t.Errorf("Count(%q, %v) wrote %q, want its value written %s", tc.name, tc.value, buf.Bytes(), num)
			}
			aws, _ := got["_aws"].(map[string]any)
			if ts, ok := aws["Timestamp"].(float64); !ok || ts < float64(before) || ts > float64(after) {
				t.Errorf("Timestamp = %v, want milliseconds since 1970 within [%d, %d]", aws["Timestamp"], before, after)
			}
			delete(aws, "Timestamp")
			if !reflect.DeepEqual(got, wantDoc) {
				t.Errorf("Count(%q, %q, %v) wrote\n%s\nwant, as JSON,\n%s", tc.function, tc.name, tc.value, buf.Bytes(), wantLine)
			}
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var buf bytes.Buffer
		emf.New(&buf, "webhook").Count("Stored", v)
		if buf.Len() != 0 {
			t.Errorf("Count(%v) wrote %q, want nothing", v, buf.Bytes())
		}
	}
}

// TestCountRefusesTheDocumentsOwnNames: a metric named like a member the
// line already has would name it twice (the old map code overwrote the
// dimension or the directive with the number), and an empty name is no
// EMF metric name, so such a count writes nothing, in and out of Lambda.
func TestCountRefusesTheDocumentsOwnNames(t *testing.T) {
	for _, fnName := range []string{"", "prod-WebhookFunction-abc"} {
		t.Setenv("AWS_LAMBDA_FUNCTION_NAME", fnName)
		for _, name := range []string{"_aws", "Function", "FunctionName", ""} {
			var buf bytes.Buffer
			emf.New(&buf, "webhook").Count(name, 1)
			if buf.Len() != 0 {
				t.Errorf("AWS_LAMBDA_FUNCTION_NAME=%q: Count(%q) wrote %q, want nothing", fnName, name, buf.Bytes())
			}
		}
	}
}

// TestCountFromManyGoroutines: one Recorder shared by concurrent requests
// writes whole lines, never two interleaved (run with -race too).
func TestCountFromManyGoroutines(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "prod-WebhookFunction-abc")
	var buf bytes.Buffer
	r := emf.New(&buf, "webhook")
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				r.Count("Stored", 1)
			}
		})
	}
	wg.Wait()
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	if last := lines[len(lines)-1]; len(last) != 0 {
		t.Fatalf("output ends in %q, not a line", last)
	}
	lines = lines[:len(lines)-1]
	if len(lines) != goroutines*each {
		t.Fatalf("%d lines, want %d", len(lines), goroutines*each)
	}
	for _, l := range lines {
		if !jsontext.Value(bytes.TrimSuffix(l, []byte("\n"))).IsValid() {
			t.Fatalf("line %q is not strict JSON", l)
		}
	}
}
