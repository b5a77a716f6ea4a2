package main

import (
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// costOfAKindReport is a report over made-up samples of one function
// (twice, as the verdict wants two) with one kind, at 128 and 512 MB.
func costOfAKindReport(t *testing.T) *report {
	p := testPrices(t)
	k := &kind{name: "create", item: itemIdempotency, body: 76}
	f := &fnRun{spec: stack.FunctionSpec{Name: "F"}, kinds: []*kind{k}}
	measured := func(warm ...time.Duration) *sample {
		return &sample{cold: []time.Duration{200 * time.Millisecond}, warm: map[string]*kindSample{
			"create": {durations: warm, calls: calls{"DynamoDB_20120810.PutItem": 2, "DynamoDB_20120810.GetItem": 1}}}}
	}
	f.at = map[int]*sample{
		128: measured(10*time.Millisecond, 19500*time.Microsecond), // billed 10 and 20 ms
		512: measured(2*time.Millisecond, 3*time.Millisecond)}
	return &report{prices: p, sizes: []int{128, 512}, fns: []*fnRun{f, f},
		items: map[string]int{itemIdempotency: 1500}, fixed: fixed{retentionDays: 30, accessLogBytes: 100}}
}

// A report over made-up samples: the per-service arithmetic of one kind.
func TestCostOfAKind(t *testing.T) {
	r := costOfAKindReport(t)
	p, f, k := r.prices, r.fns[0], r.fns[0].kinds[0]
	c := r.cost(f, k, 128, 1e6, 0, 0)
	if want := p.LambdaCost(1e6, 15, 128); !near(c.lambda, want) {
		t.Errorf("Lambda %v, want %v (mean billed 15 ms)", c.lambda, want)
	}
	// Two writes of a 1,500-byte item: 2 units each; one 4 KB read unit.
	if want := 4*0.625 + 1*0.125; !near(c.dynamo, want) {
		t.Errorf("DynamoDB %v, want %v", c.dynamo, want)
	}
	if !near(c.api, 1.00) {
		t.Errorf("HTTP API %v, want 1.00", c.api)
	}
	// Half of them cold: billed (15 + 200) / 2 on average.
	if got, want := r.cost(f, k, 128, 1e6, 0.5, 0).lambda, p.LambdaCost(1e6, 107.5, 128); !near(got, want) {
		t.Errorf("half cold: Lambda %v, want %v", got, want)
	}
	// 100 ms of upstream wait costs 4 times as much at 512 MB as at 128 MB.
	extra := func(mb int) float64 {
		return r.cost(f, k, mb, 1e6, 0, 100).lambda - r.cost(f, k, mb, 1e6, 0, 0).lambda
	}
	if want := 1e6 * 0.1 * 128.0 / 1024 * 0.0000133334; !near(extra(128), want) {
		t.Errorf("100 ms wait at 128 MB: %v, want %v", extra(128), want)
	}
	if !near(extra(512), 4*extra(128)) {
		t.Errorf("100 ms wait: %v at 512 MB, want 4 × %v", extra(512), extra(128))
	}
	// 512 MB bills 2.5 ms instead of 15: the cheaper, both within the bounds.
	if mb, _, _ := r.cheapest(f, 0); mb != 512 {
		t.Errorf("choice %d MB; want 512 MB within the bounds", mb)
	}
	// Over the warm bound at 512 MB: 128 MB is chosen.
	f.at[512].warm["create"].durations = []time.Duration{400 * time.Millisecond}
	if mb, _, _ := r.cheapest(f, 0); mb != 128 {
		t.Errorf("choice %d MB; want 128 MB within the bounds", mb)
	}
	// Over the bound at both: none is within, and the verdict says so.
	f.at[128].warm["create"].durations = []time.Duration{400 * time.Millisecond}
	if mb, _, _ := r.cheapest(f, 0); mb != 0 {
		t.Errorf("choice %d MB; want none within the bounds", mb)
	}
	var b strings.Builder
	r.printVerdict(&b)
	if !strings.Contains(b.String(), "* F: **512 MB** (NO size met the bounds; the largest measured)") {
		t.Errorf("verdict without a size within the bounds:\n%s", b.String())
	}
}

// A size whose measured CPU share falls short of the quota's (a busy
// machine) is named, and the report says so; one within a tenth is not.
func TestStarvedSizesAreNamed(t *testing.T) {
	calib := []calibration{
		{MemoryMB: 0, Share: 0.42},
		{MemoryMB: 512, Share: 0.289},  // the quota's 0.289
		{MemoryMB: 1024, Share: 0.296}, // the quota's 0.579: starved
	}
	got := starved(calib)
	if len(got) != 1 || got[0].MemoryMB != 1024 {
		t.Fatalf("starved = %+v, want only the 1024 MB calibration", got)
	}
	var b strings.Builder
	(&report{calib: calib}).printCalibration(&b)
	if !strings.Contains(b.String(), "Not what Lambda gives at 1024 MB") || strings.Contains(b.String(), "Not what Lambda gives at 512 MB") {
		t.Errorf("report does not name exactly the starved size:\n%s", b.String())
	}
	b.Reset()
	r := costOfAKindReport(t)
	r.calib = calib
	r.printVerdict(&b)
	if strings.Count(b.String(), "This verdict is not Lambda's at") != 1 || !strings.Contains(b.String(), "This verdict is not Lambda's at 1024 MB") {
		t.Errorf("verdict does not warn about exactly the starved size:\n%s", b.String())
	}
}
