package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

func TestPlanDeliveries(t *testing.T) {
	base := options{deliveries: 1000, concurrency: 16}
	queue, unique, err := planDeliveries(base, "org")
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 1000 || unique != 800 {
		t.Fatalf("%d deliveries, %d unique; want 1000, 800", len(queue), unique)
	}
	pairs := 0
	for i := 0; i < len(queue); i++ {
		if queue[i].pair == nil {
			continue
		}
		// A duplicate is right behind its original: same bytes, same barrier.
		if i+1 == len(queue) || queue[i+1].pair != queue[i].pair || !bytes.Equal(queue[i].body, queue[i+1].body) {
			t.Fatalf("delivery %d has no duplicate right behind it", i)
		}
		pairs++
		i++
	}
	if pairs != 200 {
		t.Errorf("%d pairs, want 200", pairs)
	}

	if _, _, err := planDeliveries(options{deliveries: 1000, concurrency: 1}, "org"); err == nil {
		t.Error("planned pairs at concurrency 1")
	}
	// 2 deliveries round to no duplicate.
	if _, _, err := planDeliveries(options{deliveries: 2, concurrency: 1}, "org"); err != nil {
		t.Errorf("no duplicates at concurrency 1: %v", err)
	}
}

func TestTallyDeliveries(t *testing.T) {
	got := tallyDeliveries([]benchkit.Response{
		{Status: 200, Body: []byte(`{"status":"stored"}`)},
		{Status: 200, Body: []byte(`{"status":"duplicate"}`)},
		{Status: 503, Body: []byte(`{"error":{}}`)},
		{Err: errors.New("reset")},
	})
	if got.outcomes["stored"] != 1 || got.outcomes["duplicate"] != 1 || got.transport != 1 || got.fiveXX != 1 || len(got.latencies) != 3 {
		t.Errorf("tally = %+v", got)
	}
}

func TestTallyKeys(t *testing.T) {
	created := func(id string) benchkit.Response {
		return benchkit.Response{Status: 201, Body: []byte(`{"ticket":{"ticket_id":"` + id + `"}}`)}
	}
	retried := benchkit.Response{Status: 409, Body: []byte(`{"error":{"code":"idempotency_in_progress"}}`)}
	got := tallyKeys([]keyResult{
		{all: []benchkit.Response{created("a"), retried, created("a"), created("a")}, final: []benchkit.Response{created("a"), created("a"), created("a")}},
		{all: []benchkit.Response{created("b"), created("c"), created("b")}, final: []benchkit.Response{created("b"), created("c"), created("b")}},
		{all: []benchkit.Response{created("d"), {Status: 503, Body: []byte("x")}, created("d")}, final: []benchkit.Response{created("d"), {Status: 503, Body: []byte("x")}, created("d")}},
	})
	if got.requests != 10 || got.bad != 1 || got.fiveXX != 1 || got.mismatched != 1 || len(got.failures) != 1 || got.statuses[409] != 1 || len(got.latencies) != 10 {
		t.Errorf("tally = %+v", got)
	}
}
