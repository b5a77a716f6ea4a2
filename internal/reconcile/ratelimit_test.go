package reconcile_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/reconcile"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func TestLimiterSpacesRequests(t *testing.T) {
	clk := testkit.NewClock(now)
	l := reconcile.NewLimiter(10, clk)
	var starts []time.Time
	for range 5 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clk.Now())
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap != 100*time.Millisecond {
			t.Errorf("gap %d = %s, want 100ms at 10/s", i, gap)
		}
	}
}

func TestLimiterPausesUntilTheReset(t *testing.T) {
	tests := []struct {
		name      string
		remaining string
		reset     func(now time.Time) string
		wantWait  time.Duration
	}{
		{"epoch seconds", "0", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3, 10) }, 3 * time.Second},
		{"epoch milliseconds", "0", func(n time.Time) string { return strconv.FormatInt(n.UnixMilli()+1500, 10) }, 1500 * time.Millisecond},
		{"seconds from now", "0", func(time.Time) string { return "2" }, 2 * time.Second},
		{"no reset: one window", "0", func(time.Time) string { return "" }, time.Second},
		{"a far reset is capped", "0", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3600, 10) }, time.Minute},
		{"requests remain: no pause", "3", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3, 10) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testkit.NewClock(now)
			l := reconcile.NewLimiter(1000, clk)
			if err := l.Wait(context.Background()); err != nil { // the first request
				t.Fatal(err)
			}
			h := http.Header{}
			h.Set("X-RateLimit-Remaining", tt.remaining)
			h.Set("X-RateLimit-Reset", tt.reset(clk.Now()))
			l.Observe(h)
			before := clk.Now()
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := clk.Now().Sub(before); got < tt.wantWait || got > tt.wantWait+time.Millisecond {
				t.Errorf("second request waited %s, want %s (+ at most the 1ms spacing)", got, tt.wantWait)
			}
		})
	}
}

func TestLimiterWaitEndsWithTheContext(t *testing.T) {
	l := reconcile.NewLimiter(0.001, nil) // one request per 1000s
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("first request: %v", err)
	}
	if err := l.Wait(ctx); err == nil {
		t.Error("second request did not end with the context")
	}
}

func TestTransportObservesAndCounts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1") // one second from now
	}))
	defer srv.Close()
	clk := testkit.NewClock(now)
	tr := &reconcile.Transport{Limiter: reconcile.NewLimiter(1000, clk)}
	client := &http.Client{Transport: tr}
	for range 2 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if tr.Requests() != 2 {
		t.Errorf("Requests() = %d, want 2", tr.Requests())
	}
	if got := clk.Now().Sub(now); got < time.Second {
		t.Errorf("the second request started %s after the first, want the 1s the first answer asked for", got)
	}
}

func TestTransportTimesOutTheRequestNotTheWait(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "0.3") // a window longer than the timeout
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	defer close(release)
	tr := &reconcile.Transport{Limiter: reconcile.NewLimiter(1000, nil), RequestTimeout: 150 * time.Millisecond}
	client := &http.Client{Transport: tr}
	for i := range 2 { // the second waits 300ms for its turn, then is quick
		resp, err := client.Get(srv.URL + "/fast")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "ok" {
			t.Errorf("request %d body %q, %v", i, body, err)
		}
		resp.Body.Close()
	}
	start := time.Now()
	if _, err := client.Get(srv.URL + "/slow"); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a hanging answer: err %v after %s, want a timeout", err, time.Since(start))
	}
	if p := reconcile.RetryPolicy(); p.AttemptTimeout != 0 || p.MaxAttempts != periskope.DefaultRetryPolicy.MaxAttempts {
		t.Errorf("RetryPolicy() = %+v, want the default without AttemptTimeout", p)
	}
}
