package testkit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

func TestBufferKeepsEveryConcurrentWrite(t *testing.T) {
	var b testkit.Buffer
	const writers, lines = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(&b, "w%d-%d\n", w, i)
				_ = b.String() // reads race with writes unless they are locked
			}
		}()
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines, want %d", len(got), writers*lines)
	}
	seen := map[string]bool{}
	for _, line := range got {
		seen[line] = true
	}
	if len(seen) != writers*lines {
		t.Errorf("%d distinct lines, want %d: writes were torn or lost", len(seen), writers*lines)
	}
}

func TestBufferBytesIsACopy(t *testing.T) {
	var b testkit.Buffer
	_, _ = b.Write([]byte("abc"))
	snapshot := b.Bytes()
	snapshot[0] = 'X'
	_, _ = b.Write([]byte("def"))
	if got := b.String(); got != "abcdef" {
		t.Errorf("String() = %q, want abcdef", got)
	}
	if string(snapshot) != "Xbc" {
		t.Errorf("snapshot = %q, want Xbc", snapshot)
	}
}

func TestMetricsSumsConcurrentCounts(t *testing.T) {
	var m testkit.Metrics
	if got := m.All(); got == nil || len(got) != 0 {
		t.Fatalf("All() before any count = %#v, want an empty map", got)
	}
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Count("Created", 1)
			m.Count("Latency", 0.5)
		}()
	}
	wg.Wait()
	if got := m.Get("Created"); got != n {
		t.Errorf("Get(Created) = %v, want %d", got, n)
	}
	if got := m.Get("Never"); got != 0 {
		t.Errorf("Get(Never) = %v, want 0", got)
	}
	all := m.All()
	if len(all) != 2 || all["Created"] != n || all["Latency"] != n*0.5 {
		t.Errorf("All() = %v", all)
	}
	all["Created"] = -1
	if m.Get("Created") != n {
		t.Error("changing the map All returned changed the counts")
	}
}

var start = time.Date(2025, 4, 20, 10, 0, 0, 0, time.UTC)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	c := testkit.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
}

func TestClockSleepRecordsAndAdvances(t *testing.T) {
	c := testkit.NewClock(start)
	if err := c.Sleep(context.Background(), time.Second); err != nil {
		t.Fatalf("Sleep: %v", err)
	}
	if err := c.Sleep(context.Background(), 2*time.Second); err != nil {
		t.Fatalf("Sleep: %v", err)
	}
	if got, want := c.Now(), start.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("after sleeping: %v, want %v", got, want)
	}
	if got := c.Sleeps(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Errorf("Sleeps() = %v, want [1s 2s]", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Minute); err != context.Canceled {
		t.Errorf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	c := testkit.NewClock(start)
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Add(2)
		go func() { defer wg.Done(); c.Advance(time.Second) }()
		go func() { defer wg.Done(); _ = c.Sleep(context.Background(), time.Second) }()
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(2*n*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if got := len(c.Sleeps()); got != n {
		t.Errorf("%d sleeps recorded, want %d", got, n)
	}
}
