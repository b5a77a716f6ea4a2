// Package emf writes CloudWatch metrics in the Embedded Metric Format: one
// JSON line on stdout that CloudWatch Logs turns into metrics, with no API
// call and no extra latency.
package emf

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric of the product.
const Namespace = "PeriskopeBridge"

// Recorder writes counts for one function.
type Recorder struct {
	mu       sync.Mutex
	w        io.Writer
	function string
	now      func() time.Time
}

// New returns a Recorder that writes to w with the dimension Function=function.
func New(w io.Writer, function string) *Recorder {
	return &Recorder{w: w, function: function, now: time.Now}
}

// Count records value for the metric name (unit Count). A write error is
// dropped: metrics must never fail a request.
func (r *Recorder) Count(name string, value float64) {
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": r.now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  Namespace,
				"Dimensions": [][]string{{"Function"}},
				"Metrics":    []any{map[string]string{"Name": name, "Unit": "Count"}},
			}},
		},
		"Function": r.function,
		name:       value,
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(line, '\n'))
}
