// Command benchratio reads `go test -bench -benchmem` output from standard
// input and prints, for each -pair benchmark=floor, the median ns/op, B/op
// and allocs/op of both and the ratio of the ns/op medians against -goal. It
// fails only when a benchmark of a pair is missing (a broken run).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

// parse reads benchstat's input by name, without the Benchmark prefix and
// the -GOMAXPROCS suffix ("WebhookSteps/Verify"), and unit as written
// ("ns/op", not benchfmt's "sec/op").
func parse(r io.Reader) (map[string]map[string][]float64, error) {
	out := map[string]map[string][]float64{}
	br := benchfmt.NewReader(r, "input")
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error or unit metadata: not a result
		}
		base, parts := res.Name.Parts()
		name := string(base)
		for _, p := range parts {
			if p[0] == '/' {
				name += string(p)
			}
		}
		if out[name] == nil {
			out[name] = map[string][]float64{}
		}
		for _, v := range res.Values {
			unit, value := v.OrigUnit, v.OrigValue
			if unit == "" {
				unit, value = v.Unit, v.Value
			}
			out[name][unit] = append(out[name][unit], value)
		}
	}
	return out, br.Err()
}

// median is benchstat's centre of a sample; 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return benchmath.AssumeNothing.Summary(benchmath.NewSample(slices.Clone(v), &benchmath.DefaultThresholds), 0.95).Center
}

func main() {
	var pairs []string
	flag.Func("pair", "benchmark=floor (repeatable), names without the Benchmark prefix", func(v string) error {
		pairs = append(pairs, v)
		return nil
	})
	goal := flag.Float64("goal", 1.5, "goal for the ratio of median ns/op")
	benchkit.Main("benchratio", func() error {
		res, err := parse(os.Stdin)
		if err != nil {
			return err
		}
		fmt.Println("| benchmark | median ns/op | B/op | allocs/op | floor | floor ns/op | floor B/op | floor allocs/op | ratio | goal | verdict |")
		fmt.Println("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |")
		for _, p := range pairs {
			name, floorName, ok := strings.Cut(p, "=")
			b, f := res[name], res[floorName]
			if !ok || b == nil || f == nil || len(b["ns/op"]) == 0 || len(f["ns/op"]) == 0 {
				return fmt.Errorf("pair %q: benchmark missing from the input (broken run)", p)
			}
			ratio := median(b["ns/op"]) / median(f["ns/op"])
			fmt.Printf("| %s (n=%d) | %.0f | %.0f | %.0f | %s (n=%d) | %.0f | %.0f | %.0f | %.2f× | ≤ %.1f× | %s |\n",
				name, len(b["ns/op"]), median(b["ns/op"]), median(b["B/op"]), median(b["allocs/op"]),
				floorName, len(f["ns/op"]), median(f["ns/op"]), median(f["B/op"]), median(f["allocs/op"]),
				ratio, *goal, benchkit.Verdict(ratio, *goal))
		}
		return nil
	})
}
