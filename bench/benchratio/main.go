// Command benchratio reads `go test -bench -benchmem` output (benchstat's
// input format) and prints, for each pair benchmark=floor, the median ns/op,
// B/op and allocs/op of both and the ratio of the medians to the goal.
//
//	go test -run '^$' -bench . -benchmem -count 10 ./bench | tee cpu.txt
//	go run ./bench/benchratio -pair WebhookCPUPath=FloorHMACUnmarshal -goal 1.2 < cpu.txt
//
// It fails only when the input lacks a benchmark of a pair (a broken run);
// a missed goal is reported, not fatal.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

type samples struct{ ns, bytes, allocs []float64 }

// line matches "BenchmarkName-2   1000   123 ns/op   4.5 MB/s   10 B/op   2 allocs/op".
var line = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (map[string]*samples, error) {
	out := map[string]*samples{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s := out[m[1]]
		if s == nil {
			s = &samples{}
			out[m[1]] = s
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = append(s.ns, v)
			case "B/op":
				s.bytes = append(s.bytes, v)
			case "allocs/op":
				s.allocs = append(s.allocs, v)
			}
		}
	}
	return out, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type pairs []string

func (p *pairs) String() string     { return strings.Join(*p, ",") }
func (p *pairs) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var ps pairs
	flag.Var(&ps, "pair", "benchmark=floor (repeatable), names without the Benchmark prefix")
	goal := flag.Float64("goal", 1.5, "goal for the ratio of median ns/op")
	flag.Parse()
	log.SetFlags(0)
	res, err := parse(os.Stdin)
	if err != nil {
		log.Fatalf("benchratio: %v", err)
	}
	fmt.Println("| benchmark | median ns/op | B/op | allocs/op | floor | floor ns/op | floor B/op | floor allocs/op | ratio | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |")
	for _, p := range ps {
		name, floorName, ok := strings.Cut(p, "=")
		b, f := res[name], res[floorName]
		if !ok || b == nil || f == nil || len(b.ns) == 0 || len(f.ns) == 0 {
			log.Fatalf("benchratio: pair %q: benchmark missing from the input (broken run)", p)
		}
		ratio := median(b.ns) / median(f.ns)
		fmt.Printf("| %s (n=%d) | %.0f | %.0f | %.0f | %s (n=%d) | %.0f | %.0f | %.0f | %.2f× | ≤ %.1f× | %s |\n",
			name, len(b.ns), median(b.ns), median(b.bytes), median(b.allocs),
			floorName, len(f.ns), median(f.ns), median(f.bytes), median(f.allocs),
			ratio, *goal, benchkit.Verdict(ratio, *goal))
	}
}
