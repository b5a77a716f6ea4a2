package ratereset_test

import (
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ratereset"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
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
	// The three units against one clock.
	clock := time.Date(2025, 1, 27, 11, 7, 52, 0, time.UTC)
	for v, want := range map[string]time.Duration{"2": 2 * time.Second, "1737976080": 8 * time.Second, "1737976080500": 8500 * time.Millisecond} {
		if reset, _ := ratereset.Parse(v, clock); reset.Sub(clock) != want {
			t.Errorf("Parse(%q) is %v after now, want %v", v, reset.Sub(clock), want)
		}
	}
}
