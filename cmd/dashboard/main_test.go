package main

import (
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPictureFromLogs(t *testing.T) {
	logs, out := t.TempDir(), filepath.Join(t.TempDir(), "d.png")
	line := `[gateway] POST /tickets 201 12.5ms CreateTicketFunction requestId=x` + "\n"
	if err := os.WriteFile(filepath.Join(logs, "gateway.log"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"picture", "-logs", logs, "-out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("%s is not a PNG: %v", out, err)
	}
}

// No logs is a clear error, not an empty picture.
func TestPictureWithoutLogs(t *testing.T) {
	err := run([]string{"picture", "-logs", t.TempDir(), "-out", filepath.Join(t.TempDir(), "d.png")}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "make load") {
		t.Fatalf("err = %v, want it to say to run make load", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"draw"}} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want a usage error", args)
		}
	}
}
