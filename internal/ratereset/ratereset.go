// Package ratereset reads Periskope's X-RateLimit-Reset header, one rule for
// the client's 429 wait (pkg/periskope) and reconcile's limiter.
package ratereset

import (
	"strconv"
	"strings"
	"time"
)

// Parse reads v as epoch seconds (milliseconds above 1e12) or, up to 1e9,
// as seconds from now (at most a day); false if v is no number.
func Parse(v string, now time.Time) (time.Time, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || n != n {
		return time.Time{}, false
	}
	if n > 1e9 {
		return Epoch(n), true
	}
	return now.Add(Seconds(n)), true
}

// Epoch reads seconds since the epoch, or milliseconds when n is too large
// to be seconds; pkg/periskope's Time reads numbers the same way.
func Epoch(n float64) time.Time {
	if n > 1e12 || n < -1e12 {
		return time.UnixMilli(int64(n)).UTC()
	}
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC()
}

// Seconds converts a count of seconds to a duration: 0 if not positive,
// at most a day, so that an absurd header cannot stall a caller.
func Seconds(s float64) time.Duration {
	if s <= 0 || s != s {
		return 0
	}
	return time.Duration(min(s, 86400) * float64(time.Second))
}
