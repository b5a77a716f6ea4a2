package main

import (
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

func ms(v ...int) []time.Duration {
	var d []time.Duration
	for _, x := range v {
		d = append(d, time.Duration(x)*time.Millisecond)
	}
	return d
}

// TestWidestSpreadIgnoresInformativeCases: the variant shown for comparison
// must not keep the run sampling.
func TestWidestSpreadIgnoresInformativeCases(t *testing.T) {
	steady := ms(10, 10, 10, 10, 10, 10, 10, 10)
	wide := ms(1, 5, 10, 10, 10, 15, 20, 40)
	cases := []*kase{
		{init: steady, first: steady},
		{init: wide, first: steady, informative: true},
	}
	if got, _ := widestSpread(cases); got != 0 {
		t.Errorf("widestSpread = %v, want 0 (only the informative case is wide)", got)
	}
	cases[1].informative = false
	got, name := widestSpread(cases)
	if want := benchkit.Summarize(wide).Spread(); got != want || got == 0 || name != " init" {
		t.Errorf("widestSpread = %v, %q, want %v, %q", got, name, want, " init")
	}
}

func TestColdVerdict(t *testing.T) {
	for _, tc := range []struct {
		k           kase
		init, first float64
		want        string
	}{
		{kase{target: benchkit.Hello}, 0.7, 0.8, "floor"},
		{kase{target: benchkit.SDKFloor}, 1, 1, "floor"},
		{kase{target: benchkit.CreateTicketLoadDefault, informative: true}, 1.3, 1.2, "informative (not deployed)"},
		{kase{target: benchkit.Webhook}, 1.05, 1.0, "init met, first response met"},
		{kase{target: benchkit.Webhook}, 1.06, 1.0, "init MISSED, first response met"},
		{kase{target: benchkit.CreateTicket}, 1.0, 1.051, "init met, first response MISSED"},
	} {
		if got := coldVerdict(&tc.k, tc.init, tc.first); got != tc.want {
			t.Errorf("coldVerdict(%s, %v, %v) = %q, want %q", tc.k.target.Name, tc.init, tc.first, got, tc.want)
		}
	}
}
