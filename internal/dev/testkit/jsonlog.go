package testkit

import (
	"bytes"
	"encoding/json"
	"testing"
)

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
