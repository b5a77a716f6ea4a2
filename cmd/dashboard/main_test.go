package main

import (
	"io"
	"testing"
)

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"draw"}} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want a usage error", args)
		}
	}
}
