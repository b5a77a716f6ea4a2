package benchkit

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Summary describes a sample of durations.
type Summary struct {
	N                       int
	Min, P50, P90, P99, Max time.Duration
	Mean                    time.Duration
	// MedianLow and MedianHigh bound the distribution-free 95% confidence
	// interval of the median (order statistics of the sample).
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
	s := slices.Clone(d)
	slices.Sort(s)
	var total time.Duration
	lo, hi := medianCIRanks(len(s))
	for _, v := range s {
		total += v
	}
	return Summary{
		N: len(s), Min: s[0], Max: s[len(s)-1], Mean: total / time.Duration(len(s)),
		P50: Percentile(s, 50), P90: Percentile(s, 90), P99: Percentile(s, 99),
		MedianLow: s[lo-1], MedianHigh: s[hi-1],
	}
}

// medianCIRanks returns the 1-based ranks of the order statistics that bound
// a 95% confidence interval of the median of n values: the binomial(n, ½)
// interval in its normal approximation, clamped to the sample.
func medianCIRanks(n int) (lo, hi int) {
	half := 1.96 * math.Sqrt(float64(n)) / 2
	lo = int(math.Floor(float64(n)/2 - half))
	hi = int(math.Ceil(float64(n)/2 + 1 + half))
	return min(max(lo, 1), n), min(max(hi, 1), n)
}

// Percentile returns the nearest-rank p-th percentile of sorted.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
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

// Verdict is "met" when ratio <= goal, else "MISSED".
func Verdict(ratio, goal float64) string {
	if ratio <= goal {
		return "met"
	}
	return "MISSED"
}
