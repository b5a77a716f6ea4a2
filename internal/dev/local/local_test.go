package local

import (
	"sync"
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

// Many environments start at once, each told two ports: the system may
// give a just-closed port to the next bind, so without a record of what
// was handed out two of them would share one.
func TestFreeAddrNeverHandsOutAPortTwice(t *testing.T) {
	const n = 1000
	addrs := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			addr, err := FreeAddr()
			if err != nil {
				t.Error(err)
			}
			addrs <- addr
		})
	}
	wg.Wait()
	close(addrs)
	seen := map[string]bool{}
	for addr := range addrs {
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
	}
}
