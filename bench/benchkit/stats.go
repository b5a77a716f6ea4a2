package benchkit

import (
	"fmt"
	"time"

	"golang.org/x/perf/benchmath"
)

// Summary describes a sample of durations.
type Summary struct {
	N                  int
	P50, P90, P99, Max time.Duration
	// MedianLow and MedianHigh bound the median's distribution-free 95%
	// confidence interval (benchstat's, benchmath.AssumeNothing) in the sample.
	MedianLow, MedianHigh time.Duration
}

// Spread is the half-width of the median's 95% confidence interval as a
// fraction of the median: 0.02 means the median is known to ±2%. It is 0
// for an empty sample.
func (s Summary) Spread() float64 {
	if s.P50 <= 0 {
		return 0
	}
	return float64(s.MedianHigh-s.MedianLow) / 2 / float64(s.P50)
}

// Summarize computes the summary of d (nearest-rank percentiles). It does
// not modify d.
func Summarize(d []time.Duration) Summary {
	if len(d) == 0 {
		return Summary{}
	}
	values := make([]float64, len(d))
	for i, v := range d {
		values[i] = float64(v)
	}
	sample := benchmath.NewSample(values, &benchmath.DefaultThresholds)
	ci := benchmath.AssumeNothing.Summary(sample, 0.95)
	sorted := sample.Values // documented ascending
	return Summary{
		N: len(sorted), Max: time.Duration(sorted[len(sorted)-1]),
		P50: percentile(sorted, 50), P90: percentile(sorted, 90), P99: percentile(sorted, 99),
		// Within the sample: too few values for an interval give infinite bounds.
		MedianLow:  time.Duration(max(ci.Lo, sorted[0])),
		MedianHigh: time.Duration(min(ci.Hi, sorted[len(sorted)-1])),
	}
}

// percentile returns the nearest-rank p-th percentile of sorted, not empty.
func percentile(sorted []float64, p float64) time.Duration {
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return time.Duration(sorted[rank-1])
}

// Ratio is a / b as a float, 0 when b is 0.
func Ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Ms formats d in milliseconds with two decimals.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// MiB formats a byte count in MiB with two decimals.
func MiB(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

// Verdict is "met" when ratio <= goal, else "MISSED".
func Verdict(ratio, goal float64) string {
	if ratio <= goal {
		return "met"
	}
	return "MISSED"
}
