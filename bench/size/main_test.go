package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

func TestSizeVerdict(t *testing.T) {
	for _, tc := range []struct {
		target benchkit.Target
		toSDK  float64
		zip    int64
		want   string
	}{
		{benchkit.Hello, 0.77, 1 << 20, "floor"},
		{benchkit.SDKFloor, 1, 4 << 20, "floor"},
		{benchkit.CreateTicketLoadDefault, 1.3, 4 << 20, "informative (not deployed)"},
		{benchkit.Webhook, 1.05, zipGoalBytes, "met, zip met"},
		{benchkit.Webhook, 1.03, zipGoalBytes + 1, "met, zip MISSED"},
		{benchkit.CreateTicket, 1.06, 1 << 20, "MISSED, zip met"},
	} {
		if got := sizeVerdict(tc.target, tc.toSDK, tc.zip); got != tc.want {
			t.Errorf("sizeVerdict(%s, %v, %d) = %q, want %q", tc.target.Name, tc.toSDK, tc.zip, got, tc.want)
		}
	}
}

func TestZippedSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootstrap")
	data := bytes.Repeat([]byte("compressible "), 10000)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	n, how, err := zippedSize(path)
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 || n >= int64(len(data))/10 {
		t.Errorf("%s zipped %d bytes to %d", how, len(data), n)
	}
	g, err := goZipSize(path)
	if err != nil || g <= 0 || g >= int64(len(data))/10 {
		t.Errorf("archive/zip: %d, %v", g, err)
	}
}
