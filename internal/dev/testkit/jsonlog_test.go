package testkit_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

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
