// Package emf writes CloudWatch metrics in the Embedded Metric Format: one
// JSON line on stdout that CloudWatch Logs turns into metrics, with no API
// call and no extra latency.
package emf

import (
	"encoding/json/jsontext"
	"io"
	"math"
	"os"
	"strconv"
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
	mu         sync.Mutex
	w          io.Writer
	dimensions string // the directive's Dimensions member, as JSON
	values     string // the dimensions' values: ,"Function":"…"[,"FunctionName":"…"]
}

// New returns a Recorder that writes to w with the dimension
// Function=function, and in Lambda also Function and FunctionName, so that
// the alarms of one stack never count another stack's requests.
func New(w io.Writer, function string) *Recorder {
	r := &Recorder{w: w, dimensions: `[["Function"]]`, values: `,"Function":` + quote(function)}
	if name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); name != "" {
		r.dimensions = `[["Function"],["Function","FunctionName"]]`
		r.values += `,"FunctionName":` + quote(name)
	}
	return r
}

// Count records value for the metric name (unit Count). A write error is
// dropped: metrics must never fail a request. So is a count the document
// cannot hold: a value that is no JSON number, or a name that is empty or
// that of a member the line already has ("_aws", "Function",
// "FunctionName"), which would appear twice. The line is appended by hand,
// not marshalled from maps: encoding/json's first Marshal of a map cost a
// fresh process ~55 µs, ten times this.
func (r *Recorder) Count(name string, value float64) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return // not a JSON number
	}
	switch name {
	case "", "_aws", "Function", "FunctionName":
		return
	}
	line := make([]byte, 0, 256)
	line = append(line, `{"_aws":{"Timestamp":`...)
	line = strconv.AppendInt(line, time.Now().UnixMilli(), 10)
	line = append(line, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":`...)
	line = append(line, r.dimensions...)
	line = append(line, `,"Metrics":[{"Name":`...)
	line, _ = jsontext.AppendQuote(line, name)
	line = append(line, `,"Unit":"Count"}]}]}`...)
	line = append(line, r.values...)
	line = append(line, ',')
	line, _ = jsontext.AppendQuote(line, name)
	line = append(line, ':')
	line = jsontext.AppendFloat(line, value, 64)
	line = append(line, "}\n"...)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(line)
}

// quote is s as a JSON string. Invalid UTF-8 becomes U+FFFD (and an
// error, dropped), as encoding/json.Marshal writes it.
func quote(s string) string {
	b, _ := jsontext.AppendQuote(nil, s)
	return string(b)
}
