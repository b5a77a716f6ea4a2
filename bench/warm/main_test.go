package main

import (
	"errors"
	"testing"
	"time"
)

// TestAlternate: one request of each kind in turn, the warm-up dropped, and
// the first error ends the run.
func TestAlternate(t *testing.T) {
	var order []string
	kindOf := func(name string) *kind {
		return &kind{name: name, do: func(i int) (time.Duration, error) {
			order = append(order, name)
			return time.Duration(i), nil
		}}
	}
	a, b := kindOf("a"), kindOf("b")
	if err := alternate([]*kind{a, b}, 2, 3); err != nil {
		t.Fatal(err)
	}
	if got := len(order); got != 10 || order[0] != "a" || order[1] != "b" || order[8] != "a" {
		t.Errorf("order = %v, want a, b alternating 5 times", order)
	}
	for _, k := range []*kind{a, b} {
		if len(k.samples) != 3 || k.samples[0] != 2 || k.samples[2] != 4 {
			t.Errorf("%s samples = %v, want requests 2..4 (after 2 warm-up)", k.name, k.samples)
		}
	}

	broken := errors.New("answered 500")
	c := &kind{name: "c", do: func(int) (time.Duration, error) { return 0, broken }}
	if err := alternate([]*kind{c}, 0, 5); !errors.Is(err, broken) {
		t.Errorf("err = %v, want the kind's error", err)
	}
}
