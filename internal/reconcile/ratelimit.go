package reconcile

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// DefaultRate is Periskope's advertised limit, X-RateLimit-Limit: 10
// requests per second.
const DefaultRate = 10

// maxPause bounds a wait for an X-RateLimit-Reset, so that a misread header
// cannot stall a run for good; a real reset is at most a window away.
const maxPause = time.Minute

// Limiter spaces requests evenly at a fixed rate, and holds them all while
// Periskope says none remain (X-RateLimit-Remaining: 0) until its
// X-RateLimit-Reset. A 429 is left to the client's retry policy, which
// waits for Retry-After or the reset itself. It is safe for concurrent use.
type Limiter struct {
	interval time.Duration
	clock    Clock

	mu     sync.Mutex
	next   time.Time // the earliest start of the next request
	paused time.Time // no request before this
}

// Clock tells time and waits; tests pass a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// systemClock is the Clock of the system's time.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewLimiter allows perSecond requests a second (DefaultRate when not
// positive), timed by clock (nil: the system's).
func NewLimiter(perSecond float64, clock Clock) *Limiter {
	if perSecond <= 0 {
		perSecond = DefaultRate
	}
	if clock == nil {
		clock = systemClock{}
	}
	return &Limiter{interval: time.Duration(float64(time.Second) / perSecond), clock: clock}
}

// Wait blocks until a request may start, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.clock.Now()
		if now.Before(l.paused) {
			d := l.paused.Sub(now)
			l.mu.Unlock()
			if err := l.clock.Sleep(ctx, d); err != nil {
				return err
			}
			continue // the pause may have been extended meanwhile
		}
		start := now
		if start.Before(l.next) {
			start = l.next
		}
		l.next = start.Add(l.interval)
		l.mu.Unlock()
		if d := start.Sub(now); d > 0 {
			if err := l.clock.Sleep(ctx, d); err != nil {
				return err
			}
		}
		if l.clock.Now().Before(l.pausedUntil()) {
			continue // an answer emptied the window while we waited
		}
		return nil
	}
}

func (l *Limiter) pausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paused
}

// Observe reads the rate-limit headers of an answer: with no request
// remaining, every request waits for the reset.
func (l *Limiter) Observe(h http.Header) {
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" {
		return
	}
	now := l.clock.Now()
	reset, ok := periskope.RateLimitReset(h.Get("X-RateLimit-Reset"), now)
	if !ok {
		reset = now.Add(time.Second) // a window of the advertised length
	}
	if limit := now.Add(maxPause); reset.After(limit) {
		reset = limit
	}
	l.mu.Lock()
	if reset.After(l.paused) {
		l.paused = reset
	}
	l.mu.Unlock()
}

// Transport is an http.RoundTripper that makes every request wait for
// Limiter and shows it every answer's headers; hand it to the periskope
// client with periskope.WithHTTPClient and RetryPolicy. It counts the
// requests it sent.
type Transport struct {
	Base    http.RoundTripper // nil means http.DefaultTransport
	Limiter *Limiter
	// RequestTimeout bounds one request from when its turn comes until its
	// body is read; 0 means only the request's context does. It replaces
	// the client's AttemptTimeout, which would also count the wait for the
	// limiter (up to a whole rate-limit window).
	RequestTimeout time.Duration
	sent           atomic.Int64
}

// RetryPolicy is the periskope client's DefaultRetryPolicy without its
// per-attempt timeout: use it with a Transport, whose RequestTimeout
// bounds each attempt once the limiter let it go.
func RetryPolicy() periskope.RetryPolicy {
	p := periskope.DefaultRetryPolicy
	p.AttemptTimeout = 0
	return p
}

// DefaultRequestTimeout is the client's default per-attempt timeout.
var DefaultRequestTimeout = periskope.DefaultRetryPolicy.AttemptTimeout

// RoundTrip waits for the limiter, sends req and observes the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	cancel := context.CancelFunc(func() {})
	if t.RequestTimeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(req.Context(), t.RequestTimeout)
		req = req.WithContext(ctx)
	}
	t.sent.Add(1)
	resp, err := base.RoundTrip(req)
	if err != nil {
		cancel()
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

// Close closes the body and releases the timeout.
func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Requests returns how many requests were sent.
func (t *Transport) Requests() int64 { return t.sent.Load() }
