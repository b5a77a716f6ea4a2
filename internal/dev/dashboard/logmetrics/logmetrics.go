// Package logmetrics turns the local system's logs into the counts
// CloudWatch would have made of the same run, so that a test can select
// them with the dashboard's own metric definitions, without AWS:
//
//   - "[<Function>] {...EMF...}": every metric of the EMF directive, as
//     CloudWatch Logs extracts it (namespace, name, dimensions, value);
//   - "[gateway] POST /tickets 201 1.2ms ...": AWS/ApiGateway Count, 4xx
//     and 5xx of that route.
//
// Anything else (the functions' own log lines, the sandbox's) is skipped.
package logmetrics

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

// Point is one data point.
type Point struct {
	Namespace, Name string
	Dims            map[string]string
	Value           float64
}

// Data holds the points of one run.
type Data []Point

// ReadDir reads every *.log file of dir.
func ReadDir(dir string) (*Data, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	d := &Data{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			err = d.Read(bytes.NewReader(b))
		}
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
		source, rest, _ := strings.Cut(sc.Text(), "] ")
		switch {
		case source == "[gateway":
			*d = append(*d, accessLine(rest)...)
		case strings.HasPrefix(source, "["):
			*d = append(*d, emfLine(source[1:], rest)...)
		}
	}
	return sc.Err()
}

// EMF is a line in CloudWatch's embedded metric format: its "_aws" metric
// directives, and all its members (the dimension and metric values).
type EMF struct {
	Directives []Directive
	Members    map[string]any
}

// Directive is one of an EMF line's CloudWatchMetrics.
type Directive struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []struct{ Name string }
}

// ParseEMF reads line as an EMF document; false when it is not one.
func ParseEMF(line []byte) (EMF, bool) {
	var e EMF
	var doc struct {
		AWS struct{ CloudWatchMetrics []Directive } `json:"_aws"`
	}
	if !bytes.Contains(line, []byte(`"_aws"`)) || json.Unmarshal(line, &doc) != nil || json.Unmarshal(line, &e.Members) != nil {
		return e, false
	}
	e.Directives = doc.AWS.CloudWatchMetrics
	return e, true
}

func emfLine(function, text string) []Point {
	e, ok := ParseEMF([]byte(text))
	if !ok {
		return nil
	}
	var out []Point
	for _, set := range e.Directives {
		dims := map[string]string{"FunctionName": function}
		for _, group := range set.Dimensions {
			for _, name := range group {
				if v, ok := e.Members[name].(string); ok {
					dims[name] = v
				}
			}
		}
		for _, m := range set.Metrics {
			if v, ok := e.Members[m.Name].(float64); ok {
				out = append(out, Point{Namespace: set.Namespace, Name: m.Name, Dims: dims, Value: v})
			}
		}
	}
	return out
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
	}
}

// Sum returns m's Sum over the run: 0 when m's resource reported other
// metrics of m's namespace but never m (EMF counts are written only when
// they happen), false when it reported none (no local source, e.g. DynamoDB
// capacity) or m is not a Sum. A function reference matches that function's
// local name (its logical id); other references (API id, stage, table) have
// one local value and match anything.
func (d *Data) Sum(m dashboard.Metric) (float64, bool) {
	if m.Stat != "" && m.Stat != "Sum" {
		return 0, false
	}
	total, sourced := 0.0, false
	for _, p := range *d {
		if p.Namespace == m.Namespace && matches(p, m) {
			sourced = true
			if p.Name == m.Name {
				total += p.Value
			}
		}
	}
	return total, sourced
}

func matches(p Point, m dashboard.Metric) bool {
	for _, dim := range m.Dims {
		got, ok := p.Dims[dim.Name]
		if ok && (dim.Value.Ref == "" || dim.Name == "FunctionName") && got != cmp.Or(dim.Value.Ref, dim.Value.Lit) {
			return false
		}
	}
	return true
}
