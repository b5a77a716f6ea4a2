package testkit_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

func TestBufferKeepsEveryConcurrentWrite(t *testing.T) {
	var b testkit.Buffer
	const writers, lines = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(&b, "w%d-%d\n", w, i)
				_ = b.String() // reads race with writes unless they are locked
			}
		})
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
		wg.Go(func() {
			m.Count("Created", 1)
			m.Count("Latency", 0.5)
		})
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

func TestJSONLinesDecodesSlogOutput(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("first", "n", 1)
	buf.WriteString("\n") // a blank line is skipped
	log.Warn("second", "ok", true)
	lines := testkit.JSONLines(t, buf.Bytes())
	if len(lines) != 2 || lines[0]["msg"] != "first" || lines[0]["n"] != 1.0 || lines[1]["level"] != "WARN" || lines[1]["ok"] != true {
		t.Fatalf("lines = %v", lines)
	}
	if got := testkit.JSONLines(t, nil); len(got) != 0 {
		t.Errorf("no output gave %v", got)
	}
}

// fatalRecorder is a testing.TB whose Fatalf stops the call and keeps the
// message.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func TestJSONLinesFailsOnALineThatIsNotAnObject(t *testing.T) {
	for _, logs := range []string{
		`{"msg":"ok"}` + "\nplain text\n",
		`{"msg":"ok"}` + "\n[1,2]\n",
		"null\n",
	} {
		rec := &fatalRecorder{TB: t}
		func() {
			defer func() {
				if r := recover(); r != nil && r != rec {
					panic(r)
				}
			}()
			testkit.JSONLines(rec, []byte(logs))
		}()
		if rec.msg == "" {
			t.Errorf("JSONLines accepted %q", logs)
		}
	}
}
