package local

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
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
	const n = 300
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

// Test binaries run side by side, each starting emulators: two processes
// must not be handed one port either. The test runs two copies of its own
// binary that each take 300 ports at once (TestMain) and compares.
func TestFreeAddrNeverHandsOutAPortTwiceAcrossProcesses(t *testing.T) {
	var outs [2]bytes.Buffer
	var cmds [2]*exec.Cmd
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0])
		cmds[i].Env = append(os.Environ(), "FREEADDR_HELPER=1")
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		addrs := strings.Fields(outs[i].String())
		if len(addrs) != 300 {
			t.Fatalf("helper %d printed %d addresses, want 300: %.200s", i, len(addrs), outs[i].String())
		}
		for _, addr := range addrs {
			if j, ok := seen[addr]; ok {
				t.Fatalf("%s handed out to helper %d and helper %d", addr, j, i)
			}
			seen[addr] = i
		}
	}
}

// TestMain runs the helper of the test above when asked to: it takes 300
// ports at once and prints them.
func TestMain(m *testing.M) {
	if os.Getenv("FREEADDR_HELPER") != "1" {
		os.Exit(m.Run())
	}
	var wg sync.WaitGroup
	addrs := make([]string, 300)
	for i := range addrs {
		wg.Go(func() {
			var err error
			if addrs[i], err = FreeAddr(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		})
	}
	wg.Wait()
	fmt.Println(strings.Join(addrs, " "))
}
