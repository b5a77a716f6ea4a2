package reconcile

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/periskope-connect/periskope-aws/internal/ratereset"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const (
	// DefaultRate is a fifth of Periskope's limit of 10 requests a second
	// per API key: the key is create-ticket's too.
	DefaultRate = 2
	// DefaultReserve is how many requests of Periskope's window a run
	// leaves to create-ticket (see Limiter).
	DefaultReserve = 5
	// maxPause bounds a wait for X-RateLimit-Reset, so that a misread
	// header cannot stall a run; a real reset is at most a window away.
	maxPause = time.Minute
)

// Limiter spaces requests evenly at a fixed rate (golang.org/x/time/rate,
// burst 1), and holds them all while Periskope says no more than the
// reserve remain (X-RateLimit-Remaining) until its X-RateLimit-Reset,
// counting the requests still in flight as spent: with several at once, the
// answer that empties the reserve may come after the next was sent. A 429
// is left to the client's retry policy, which waits for Retry-After or the
// reset itself. It is safe for concurrent use.
type Limiter struct {
	spacing *rate.Limiter
	reserve int

	mu       sync.Mutex
	paused   time.Time // no request before this
	window   time.Time // the reset of the last answer's window
	left     int       // what that window had left, by its answers
	inflight int       // requests started and not yet answered
}

// NewLimiter allows perSecond requests a second (positive and finite) and
// pauses while at most reserve requests remain.
func NewLimiter(perSecond float64, reserve int) *Limiter {
	return &Limiter{spacing: rate.NewLimiter(rate.Limit(perSecond), 1), reserve: reserve}
}

// Wait blocks until a request may start, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		select {
		case <-time.After(time.Until(l.pausedUntil())):
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := l.spacing.Wait(ctx); err != nil {
			return err
		}
		if l.start() {
			return nil
		}
		// the window was spent while this request waited its turn
	}
}

// start counts a request in flight if more than the reserve is left once
// the requests in flight are answered; otherwise all wait for the reset.
func (l *Limiter) start() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Before(l.paused) {
		return false
	}
	if now.Before(l.window) && l.left-l.inflight <= l.reserve {
		l.paused = l.window
		return false
	}
	l.inflight++
	return true
}

func (l *Limiter) pausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused
}

// Observe reads the rate-limit headers of an answer (nil for a request
// that got none): with no more than the reserve remaining, every request
// waits for the reset.
func (l *Limiter) Observe(h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight = max(l.inflight-1, 0)
	remaining, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining")))
	if err != nil {
		return
	}
	now := time.Now()
	reset, ok := ratereset.Parse(h.Get("X-RateLimit-Reset"), now)
	if !ok {
		reset = now.Add(time.Second) // a window of the advertised length
	}
	if limit := now.Add(maxPause); reset.After(limit) {
		reset = limit
	}
	switch {
	case reset.Equal(l.window):
		l.left = min(l.left, remaining)
	case reset.After(l.window):
		l.window, l.left = reset, remaining
	}
	if remaining <= l.reserve && reset.After(l.paused) {
		l.paused = reset
	}
}

// Transport is an http.RoundTripper that makes every request wait for
// Limiter, shows it every answer's headers and counts the requests; give
// it to the periskope client with RetryPolicy.
type Transport struct {
	Base    http.RoundTripper // nil means http.DefaultTransport
	Limiter *Limiter
	sent    atomic.Int64
}

// RetryPolicy is the periskope client's DefaultRetryPolicy without the
// per-attempt timeout, which would count the wait for the limiter (up to a
// whole rate-limit window): Transport times each request from its turn
// until its body is read instead.
func RetryPolicy() periskope.RetryPolicy {
	p := periskope.DefaultRetryPolicy
	p.AttemptTimeout = 0
	return p
}

// RoundTrip waits for the limiter, sends req and observes the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(req.Context(), periskope.DefaultRetryPolicy.AttemptTimeout)
	req = req.WithContext(ctx)
	t.sent.Add(1)
	resp, err := cmp.Or(t.Base, http.DefaultTransport).RoundTrip(req)
	if err != nil {
		cancel()
		t.Limiter.Observe(nil) // no longer in flight
		return nil, err
	}
	t.Limiter.Observe(resp.Header)
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends a request's timeout when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Requests returns how many requests were sent.
func (t *Transport) Requests() int64 { return t.sent.Load() }
