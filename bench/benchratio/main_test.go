package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkWebhookCPUPath-2   	 1000	    300 ns/op	  8.59 MB/s	  700 B/op	  7 allocs/op
BenchmarkWebhookCPUPath-2   	 1000	    100 ns/op	  8.59 MB/s	  500 B/op	  7 allocs/op
BenchmarkWebhookCPUPath-2   	 1000	    200 ns/op	  8.59 MB/s	  600 B/op	  7 allocs/op
BenchmarkFloorHMACUnmarshal-2	 5000	    100 ns/op	  42 MB/s	  100 B/op	  3 allocs/op
BenchmarkWebhookSteps/Verify-2	 5000	    4 ns/op
PASS
`

func TestParseAndMedian(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	b := res["WebhookCPUPath"]
	if b == nil || len(b["ns/op"]) != 3 || median(b["ns/op"]) != 200 || median(b["B/op"]) != 600 || median(b["allocs/op"]) != 7 {
		t.Fatalf("WebhookCPUPath = %+v", b)
	}
	if f := res["FloorHMACUnmarshal"]; f == nil || median(f["ns/op"]) != 100 {
		t.Fatalf("floor = %+v", f)
	}
	if s := res["WebhookSteps/Verify"]; s == nil || len(s["ns/op"]) != 1 {
		t.Fatalf("sub-benchmark = %+v", s)
	}
	if median([]float64{1, 2, 3, 4}) != 2.5 || median(nil) != 0 {
		t.Error("median of even or empty samples")
	}
}
