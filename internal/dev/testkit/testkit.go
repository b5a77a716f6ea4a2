// Package testkit holds the small helpers this module's tests share. No
// function binary imports it, nor pkg/periskope (which keeps no tie to this
// module's internals).
package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer that goroutines may write and read at once, for
// the output of processes and loggers under test. The zero value is ready.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Bytes returns a copy of everything written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// Metrics records a handler's counts by name in place of its EMF sink. The
// zero value is ready; it is safe for concurrent use.
type Metrics struct {
	mu     sync.Mutex
	counts map[string]float64
}

// Count adds v to the metric called name.
func (m *Metrics) Count(name string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]float64{}
	}
	m.counts[name] += v
}

// Get returns the total counted for name, 0 if it was never counted.
func (m *Metrics) Get(name string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[name]
}

// All returns a copy of every total by name; it is empty, not nil, when
// nothing was counted.
func (m *Metrics) All() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := make(map[string]float64, len(m.counts))
	maps.Copy(all, m.counts)
	return all
}

// JSONLines decodes logs written by a slog JSON handler (or any JSON Lines
// output), one object a line; blank lines are skipped. A line that is not
// a JSON object fails the test: every log line must be machine-readable.
func JSONLines(t testing.TB, logs []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range bytes.Split(logs, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil || m == nil {
			t.Fatalf("log line is not a JSON object: %q", line)
		}
		lines = append(lines, m)
	}
	return lines
}

// MainWithDir is a TestMain body that prepares files (bootstraps) once in a
// temporary directory, runs the tests if prepare succeeded, removes the
// directory and returns the exit code; a failed prepare fails the run.
func MainWithDir(m *testing.M, pattern string, prepare func(dir string) error) int {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := prepare(dir); err != nil {
		fmt.Fprintf(os.Stderr, "%s: preparing the tests: %v\n", pattern, err)
		return 1
	}
	return m.Run()
}
