package local

import (
	"testing"
	"time"
)

func TestOrDefaultTakesTheDefaultForZeroAndNegative(t *testing.T) {
	for _, c := range []struct{ v, want time.Duration }{{0, 3 * time.Second}, {-time.Second, 3 * time.Second}, {time.Second, time.Second}} {
		if got := OrDefault(c.v, 3*time.Second); got != c.want {
			t.Errorf("OrDefault(%v, 3s) = %v, want %v", c.v, got, c.want)
		}
	}
	if got := OrDefault(-1, 2); got != 2 {
		t.Errorf("OrDefault(-1, 2) = %d, want 2", got)
	}
}
