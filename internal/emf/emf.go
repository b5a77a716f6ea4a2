// Package emf writes CloudWatch metrics in the Embedded Metric Format: one
// JSON line on stdout that CloudWatch Logs turns into metrics, with no API
// call and no extra latency.
package emf

import (
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric of the product.
const Namespace = "PeriskopeBridge"

// Metrics counts events; *Recorder is the production one.
type Metrics interface {
	Count(name string, value float64)
}

// Discard is a Metrics that records nothing.
var Discard Metrics = discard{}

type discard struct{}

func (discard) Count(string, float64) {}

// Recorder writes counts for one function.
type Recorder struct {
	mu           sync.Mutex
	w            io.Writer
	function     string
	functionName string
	dimensions   [][]string
}

// New returns a Recorder that writes to w with the dimension
// Function=function, and in Lambda also Function and FunctionName, so that
// the alarms of one stack never count another stack's requests.
func New(w io.Writer, function string) *Recorder {
	r := &Recorder{w: w, function: function, dimensions: [][]string{{"Function"}}}
	if name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); name != "" {
		r.functionName = name
		r.dimensions = append(r.dimensions, []string{"Function", "FunctionName"})
	}
	return r
}

// Count records value for the metric name (unit Count). A write error is
// dropped: metrics must never fail a request.
func (r *Recorder) Count(name string, value float64) {
	doc := map[string]any{
		"_aws": map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  Namespace,
				"Dimensions": r.dimensions,
				"Metrics":    []any{map[string]string{"Name": name, "Unit": "Count"}},
			}},
		},
		"Function": r.function,
		name:       value,
	}
	if r.functionName != "" {
		doc["FunctionName"] = r.functionName
	}
	line, _ := json.Marshal(doc)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(line, '\n'))
}
