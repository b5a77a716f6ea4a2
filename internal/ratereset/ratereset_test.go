package ratereset_test

import (
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ratereset"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	// the clock of the example the API once showed, 8s before its resets
	exampleClock := time.Date(2025, 1, 27, 11, 7, 52, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Time
		ok    bool
	}{
		{"2", now.Add(2 * time.Second), true},
		{" 0.5 ", now.Add(500 * time.Millisecond), true},
		{"-3", now, true},
		{"1795924800", time.Unix(1795924800, 0).UTC(), true},
		{"1795924800.25", time.Unix(1795924800, 250_000_000).UTC(), true},
		{"1795924800123", time.UnixMilli(1795924800123).UTC(), true},
		{"1737976080", exampleClock.Add(8 * time.Second), true},
		{"1737976080500", exampleClock.Add(8500 * time.Millisecond), true},
		{"999999", now.Add(24 * time.Hour), true}, // a relative count is capped at a day
		{"", time.Time{}, false},
		{"soon", time.Time{}, false},
		{"NaN", time.Time{}, false},
	} {
		got, ok := ratereset.Parse(tc.value, now)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}
