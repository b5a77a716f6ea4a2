// Package logmetrics turns the local system's logs into the data points
// CloudWatch would have made of the same run, so that the dashboard's own
// widget definitions can be drawn from real numbers without AWS:
//
//   - "[<Function>] {...EMF...}": every metric of the EMF directive, as
//     CloudWatch Logs extracts it (namespace, name, dimensions, value);
//   - "[<Function>] REPORT ... Duration: 1.23 ms ... [Error: ...]": AWS/Lambda
//     Invocations, Duration and Errors of that function;
//   - "[gateway] POST /tickets 201 1.2ms ...": AWS/ApiGateway Count, 4xx,
//     5xx and Latency of that route.
//
// Anything else (the functions' own log lines, the sandbox's) is skipped.
package logmetrics

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

// gatewaySource is the prefix of the local gateway's access log lines.
const gatewaySource = "gateway"

// Point is one data point.
type Point struct {
	Namespace, Name string
	Dims            map[string]string
	Value           float64
}

// Data holds the points of one run.
type Data struct {
	// Lines counts the lines that gave at least one point.
	Lines  int
	Points []Point
}

// ReadDir reads every *.log file of dir.
func ReadDir(dir string) (*Data, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	d := &Data{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		err = d.Read(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Read adds the points of every line of r.
func (d *Data) Read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		d.Line(sc.Text())
	}
	return sc.Err()
}

// Line adds the points of one log line.
func (d *Data) Line(line string) {
	source, rest, ok := cutSource(line)
	if !ok {
		return
	}
	var points []Point
	switch {
	case source == gatewaySource:
		points = accessLine(rest)
	case strings.HasPrefix(rest, "REPORT "):
		points = reportLine(source, rest)
	case strings.HasPrefix(rest, "{"):
		points = emfLine(source, rest)
	}
	if len(points) > 0 {
		d.Lines++
		d.Points = append(d.Points, points...)
	}
}

// cutSource splits "[Source] rest".
func cutSource(line string) (source, rest string, ok bool) {
	if !strings.HasPrefix(line, "[") {
		return "", "", false
	}
	source, rest, ok = strings.Cut(line[1:], "] ")
	return source, rest, ok
}

func emfLine(function, text string) []Point {
	var doc map[string]any
	if json.Unmarshal([]byte(text), &doc) != nil {
		return nil
	}
	var directive struct {
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name string }
		}
	}
	raw, ok := doc["_aws"]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(raw)
	if json.Unmarshal(b, &directive) != nil {
		return nil
	}
	var out []Point
	for _, set := range directive.CloudWatchMetrics {
		dims := map[string]string{"FunctionName": function}
		for _, group := range set.Dimensions {
			for _, name := range group {
				if v, ok := doc[name].(string); ok {
					dims[name] = v
				}
			}
		}
		for _, m := range set.Metrics {
			if v, ok := doc[m.Name].(float64); ok {
				out = append(out, Point{Namespace: set.Namespace, Name: m.Name, Dims: dims, Value: v})
			}
		}
	}
	return out
}

func reportLine(function, text string) []Point {
	fields := strings.Fields(text)
	i := slices.Index(fields, "Duration:")
	if i < 0 || i+1 >= len(fields) {
		return nil
	}
	ms, err := strconv.ParseFloat(fields[i+1], 64)
	if err != nil {
		return nil
	}
	dims := map[string]string{"FunctionName": function}
	failed := 0.0
	if strings.Contains(text, " Error: ") {
		failed = 1
	}
	return []Point{
		{Namespace: "AWS/Lambda", Name: "Invocations", Dims: dims, Value: 1},
		{Namespace: "AWS/Lambda", Name: "Duration", Dims: dims, Value: ms},
		{Namespace: "AWS/Lambda", Name: "Errors", Dims: dims, Value: failed},
	}
}

// accessLine reads "METHOD URI STATUS LATENCYms ...".
func accessLine(text string) []Point {
	fields := strings.Fields(text)
	if len(fields) < 4 {
		return nil
	}
	status, err := strconv.Atoi(fields[2])
	if err != nil {
		return nil
	}
	latency, err := strconv.ParseFloat(strings.TrimSuffix(fields[3], "ms"), 64)
	if err != nil {
		return nil
	}
	path, _, _ := strings.Cut(fields[1], "?")
	dims := map[string]string{"Method": fields[0], "Resource": path}
	class := func(lo int) float64 {
		if status >= lo && status < lo+100 {
			return 1
		}
		return 0
	}
	return []Point{
		{Namespace: "AWS/ApiGateway", Name: "Count", Dims: dims, Value: 1},
		{Namespace: "AWS/ApiGateway", Name: "4xx", Dims: dims, Value: class(400)},
		{Namespace: "AWS/ApiGateway", Name: "5xx", Dims: dims, Value: class(500)},
		{Namespace: "AWS/ApiGateway", Name: "Latency", Dims: dims, Value: latency},
	}
}

// Stat returns m's statistic over the whole run: 0 when m's resource
// reported other metrics of m's namespace but never m (EMF counts are
// written only when they happen), and false when it reported none (the
// local system has no source for it, e.g. DynamoDB capacity). A dimension that refers to a function matches that function's
// local name (its logical id); other references (API id, stage, table) have
// one local value only and match anything.
func (d *Data) Stat(m dashboard.Metric) (float64, bool) {
	var values []float64
	sourced := false
	for _, p := range d.Points {
		if p.Namespace != m.Namespace || !matches(p, m) {
			continue
		}
		sourced = true
		if p.Name == m.Name {
			values = append(values, p.Value)
		}
	}
	if len(values) == 0 {
		// The resource reports this namespace, but this metric never
		// occurred: a count of zero (no rejected signature in the run).
		return 0, sourced
	}
	return stat(m.Stat, values), true
}

func matches(p Point, m dashboard.Metric) bool {
	for _, dim := range m.Dims {
		got, ok := p.Dims[dim.Name]
		if !ok {
			continue
		}
		want := dim.Value.Lit
		if dim.Value.Ref != "" {
			if dim.Name != "FunctionName" {
				continue
			}
			want = dim.Value.Ref
		}
		if got != want {
			return false
		}
	}
	return true
}

// stat computes a CloudWatch statistic: Sum, Average, Minimum, Maximum,
// SampleCount or pNN (nearest rank).
func stat(name string, values []float64) float64 {
	switch name {
	case "Sum":
		return sum(values)
	case "Average":
		return sum(values) / float64(len(values))
	case "Minimum":
		return slices.Min(values)
	case "Maximum":
		return slices.Max(values)
	case "SampleCount":
		return float64(len(values))
	}
	if q, err := strconv.ParseFloat(strings.TrimPrefix(name, "p"), 64); err == nil && strings.HasPrefix(name, "p") {
		sorted := slices.Clone(values)
		slices.Sort(sorted)
		rank := int(math.Ceil(q / 100 * float64(len(sorted))))
		return sorted[min(max(rank, 1), len(sorted))-1]
	}
	return sum(values)
}

func sum(values []float64) float64 {
	total := 0.0
	for _, v := range values {
		total += v
	}
	return total
}

// State is an alarm's state as judged from a local run.
type State string

// Alarm states. NO DATA: the local system has no source for the alarm's
// metric (Lambda throttles, for one).
const (
	StateOK     State = "OK"
	StateAlarm  State = "ALARM"
	StateNoData State = "NO DATA"
)

// AlarmState judges a over the whole run taken as one period: the run is
// shorter than the alarms' 5 minutes, and its total is what one period of
// the same traffic would have counted.
func (d *Data) AlarmState(a dashboard.Alarm) State {
	v, ok := d.Stat(a.Metric)
	threshold, err := strconv.ParseFloat(a.Threshold, 64)
	if !ok || err != nil {
		return StateNoData
	}
	var breached bool
	switch a.Comparison {
	case "GreaterThanOrEqualToThreshold":
		breached = v >= threshold
	case "GreaterThanThreshold":
		breached = v > threshold
	case "LessThanThreshold":
		breached = v < threshold
	case "LessThanOrEqualToThreshold":
		breached = v <= threshold
	default:
		return StateNoData
	}
	if breached {
		return StateAlarm
	}
	return StateOK
}
