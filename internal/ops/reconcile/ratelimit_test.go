package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// inBubble runs f in a synctest bubble whose clock reads now: epoch
// X-RateLimit-Reset values are told from relative ones by size, and the
// bubble's clock starts in 2000.
func inBubble(t *testing.T, f func(t *testing.T)) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(now))
		f(t)
	})
}

// startRequests lets n requests through l.
func startRequests(t *testing.T, l *reconcile.Limiter, n int) {
	t.Helper()
	for range n {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// checkNextWait lets one more request through l and checks it waited want,
// plus at most the 1ms spacing of a limiter of 1000 a second.
func checkNextWait(t *testing.T, l *reconcile.Limiter, which string, want time.Duration) {
	t.Helper()
	before := time.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(before); got < want || got > want+time.Millisecond {
		t.Errorf("%s waited %s, want %s (+ at most the 1ms spacing)", which, got, want)
	}
}

func TestLimiterSpacesRequests(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		l := reconcile.NewLimiter(reconcile.DefaultRate, reconcile.DefaultReserve)
		var starts []time.Time
		for range 5 {
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, time.Now())
		}
		if !starts[0].Equal(now) {
			t.Errorf("the first request waited %s, want none", starts[0].Sub(now))
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap != 500*time.Millisecond {
				t.Errorf("gap %d = %s, want 500ms at the default 2/s", i, gap)
			}
		}
	})
}

func TestLimiterPausesUntilTheReset(t *testing.T) {
	tests := []struct {
		name      string
		reserve   int
		remaining string
		reset     func(now time.Time) string
		wantWait  time.Duration
	}{
		{"epoch seconds", 0, "0", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3, 10) }, 3 * time.Second},
		{"epoch milliseconds", 0, "0", func(n time.Time) string { return strconv.FormatInt(n.UnixMilli()+1500, 10) }, 1500 * time.Millisecond},
		{"seconds from now", 0, "0", func(time.Time) string { return "2" }, 2 * time.Second},
		{"no reset: one window", 0, "0", func(time.Time) string { return "" }, time.Second},
		{"a far reset is capped", 0, "0", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3600, 10) }, time.Minute},
		{"requests remain: no pause", 0, "3", func(n time.Time) string { return strconv.FormatInt(n.Unix()+3, 10) }, 0},
		{"down to the reserve: pause", 5, "5", func(time.Time) string { return "2" }, 2 * time.Second},
		{"above the reserve: no pause", 5, "6", func(time.Time) string { return "2" }, 0},
		{"no remaining count: no pause", 5, "", func(time.Time) string { return "2" }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inBubble(t, func(t *testing.T) {
				l := reconcile.NewLimiter(1000, tt.reserve)
				startRequests(t, l, 1)
				h := http.Header{}
				h.Set("X-RateLimit-Remaining", tt.remaining)
				h.Set("X-RateLimit-Reset", tt.reset(time.Now()))
				l.Observe(h)
				checkNextWait(t, l, "second request", tt.wantWait)
			})
		})
	}
}

// With several requests in flight, the answer that empties the reserve
// comes after the next ones were sent: the limiter counts those in flight
// as spent, so that no more than the window minus the reserve go out.
func TestLimiterCountsRequestsInFlight(t *testing.T) {
	tests := []struct {
		name      string
		remaining string // in the first of four answers
		wantWait  time.Duration
	}{
		{"8 left, 3 in flight: the reserve of 5 is reached", "8", 2 * time.Second},
		{"9 left, 3 in flight: one more may go", "9", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inBubble(t, func(t *testing.T) {
				l := reconcile.NewLimiter(1000, 5)
				startRequests(t, l, 4)
				h := http.Header{}
				h.Set("X-RateLimit-Remaining", tt.remaining)
				h.Set("X-RateLimit-Reset", "2")
				l.Observe(h)
				checkNextWait(t, l, "the fifth request", tt.wantWait)
			})
		})
	}
}

// Resets in seconds from now are rounded: a later answer of the same
// window can name an earlier reset. At the reserve, it still pauses.
func TestLimiterPausesForAnEarlierRelativeReset(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		l := reconcile.NewLimiter(1000, 5)
		startRequests(t, l, 2)
		h := http.Header{}
		h.Set("X-RateLimit-Remaining", "9")
		h.Set("X-RateLimit-Reset", "2")
		l.Observe(h) // the window resets at now+2s
		time.Sleep(500 * time.Millisecond)
		h.Set("X-RateLimit-Remaining", "4")
		h.Set("X-RateLimit-Reset", "1")
		l.Observe(h) // now+1.5s: before the window, at the reserve
		checkNextWait(t, l, "the next request", time.Second)
	})
}

func TestLimiterWaitEndsWithTheContext(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		l := reconcile.NewLimiter(0.001, 0) // one request per 1000s
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("first request: %v", err)
		}
		if err := l.Wait(ctx); err == nil {
			t.Error("second request did not end with the context")
		}
	})
}

// roundTripFunc answers without a socket, so that it runs in a bubble.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportObservesAndCounts(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		var starts []time.Time
		tr := &reconcile.Transport{Limiter: reconcile.NewLimiter(1000, 0), Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			starts = append(starts, time.Now())
			h := http.Header{}
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", "1") // one second from now
			return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
		})}
		client := &http.Client{Transport: tr}
		for range 2 {
			resp, err := client.Get("https://api.periskope.app/v1/tickets")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		if tr.Requests() != 2 {
			t.Errorf("Requests() = %d, want 2", tr.Requests())
		}
		if got := starts[1].Sub(starts[0]); got < time.Second {
			t.Errorf("the second request started %s after the first, want the 1s the first answer asked for", got)
		}
	})
}

// The request's timeout (the client's AttemptTimeout) starts at its turn:
// a wait for the reset longer than it is no timeout, a hanging answer is.
func TestTransportTimesOutTheRequestNotTheWait(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		timeout := periskope.DefaultRetryPolicy.AttemptTimeout
		window := timeout + time.Second
		release := make(chan struct{})
		defer close(release)
		srv := httptest.NewTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.Itoa(int(window/time.Second)))
			_, _ = w.Write([]byte("ok"))
		}))
		client := &http.Client{Transport: &reconcile.Transport{Limiter: reconcile.NewLimiter(1000, 0), Base: srv.Client().Transport}}
		begin := time.Now()
		for i := range 2 { // the second waits a window for its turn, then is quick
			resp, err := client.Get("http://periskope.test/fast")
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "ok" {
				t.Errorf("request %d body %q, %v", i, body, err)
			}
			resp.Body.Close()
		}
		if waited := time.Since(begin); waited != window {
			t.Errorf("the second request waited %s, want the %s window", waited, window)
		}
		start := time.Now() // the third waits a window too, then hangs
		if _, err := client.Get("http://periskope.test/slow"); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != window+timeout {
			t.Errorf("a hanging answer: err %v after %s, want a timeout %s after its turn", err, time.Since(start), timeout)
		}
		if p := reconcile.RetryPolicy(); p.AttemptTimeout != 0 || p.MaxAttempts != periskope.DefaultRetryPolicy.MaxAttempts {
			t.Errorf("RetryPolicy() = %+v, want the default without AttemptTimeout", p)
		}
	})
}
