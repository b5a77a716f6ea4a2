package periskope

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds retries; 0 durations mean no limit but the context's.
type RetryPolicy struct {
	MaxAttempts      int           // including the first; 1 disables retries
	BaseDelay        time.Duration // first backoff, doubled each attempt, with jitter
	MaxDelay         time.Duration // cap of one backoff
	AttemptTimeout   time.Duration // limit of one attempt
	RateLimitMaxWait time.Duration // a 429 asking to wait longer is returned at once
}

// DefaultRetryPolicy is the policy of a Client built without WithRetryPolicy.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, AttemptTimeout: 8 * time.Second, RateLimitMaxWait: 30 * time.Second}

// do sends r, retrying as the policy and the kind of call allow, and
// returns the first 2xx answer.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	key, err := c.apiKey(ctx, c.keys.APIKey)
	if err != nil {
		return nil, err
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		status, header, body, err := c.send(ctx, r, key)
		var delay time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !retryableTransport(r, err) || attempt >= c.retry.MaxAttempts {
				return nil, err
			}
			delay = c.backoff(attempt)
		case status >= 200 && status < 300:
			return &response{op: r.op(), header: header, body: body}, nil
		default:
			apiErr := newAPIError(r.op(), status, header, body)
			err = apiErr
			if status == http.StatusUnauthorized && !refreshed {
				refreshed = true
				if newKey, ok, rerr := c.refreshKey(ctx, key); rerr != nil {
					// Both wrapped: the caller may tell a refused key from a
					// key it can no longer read.
					return nil, fmt.Errorf("%w (refreshing the API key failed: %w)", apiErr, rerr)
				} else if ok {
					key = newKey
					attempt-- // a refreshed retry is not a policy retry
					continue
				}
			}
			switch {
			case status == http.StatusTooManyRequests:
				apiErr.RetryAfter = rateLimitWait(header)
				if limit := c.retry.RateLimitMaxWait; limit > 0 && apiErr.RetryAfter > limit {
					return nil, apiErr
				}
				delay = c.backoff(attempt)
				if apiErr.RetryAfter > 0 {
					delay = apiErr.RetryAfter + jitter(c.retry.BaseDelay)
				}
			case status >= 500 && r.idempotent:
				delay = c.backoff(attempt)
			default:
				return nil, apiErr
			}
			if attempt >= c.retry.MaxAttempts {
				return nil, apiErr
			}
		}
		// Never sleep past the caller's deadline: answer now with what we
		// know (for a 429, RetryAfter tells the caller when to come back).
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return nil, err
		}
		if serr := sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("periskope: %s: %w while waiting to retry after: %v", r.op(), serr, err)
		}
	}
}

// sleep waits d, or returns ctx.Err() when ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryableTransport decides whether a call that got no answer may be sent
// again: an idempotent one always, any other only when it NeverSent.
func retryableTransport(r request, err error) bool {
	return r.idempotent || NeverSent(err)
}

// backoff is the jittered exponential delay before retry number attempt:
// a random point in the upper half of BaseDelay·2^(attempt-1), capped.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay
	for i := 1; i < attempt && (c.retry.MaxDelay == 0 || d < c.retry.MaxDelay); i++ {
		d *= 2
	}
	if c.retry.MaxDelay > 0 && d > c.retry.MaxDelay {
		d = c.retry.MaxDelay
	}
	return d/2 + jitter(d/2)
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// rateLimitWait reads how long a 429 asks to wait: the longer of
// Retry-After (seconds or an HTTP date) and X-RateLimit-Reset, which is
// epoch seconds when above 1e9 (epoch milliseconds above 1e12) and seconds
// from now otherwise.
func rateLimitWait(h http.Header) time.Duration {
	now := time.Now()
	var wait time.Duration
	if v := strings.TrimSpace(h.Get(headerRetryAfter)); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			wait = max(wait, seconds(secs))
		} else if t, err := http.ParseTime(v); err == nil {
			wait = max(wait, t.Sub(now))
		}
	}
	if reset, ok := RateLimitReset(h.Get(headerRateLimitReset), now); ok {
		wait = max(wait, reset.Sub(now))
	}
	return max(wait, 0)
}

// RateLimitReset reads an X-RateLimit-Reset value as the client does, for
// callers pacing bulk calls: epoch seconds above 1e9, milliseconds above
// 1e12, else seconds from now (capped at a day); false for a non-number.
func RateLimitReset(v string, now time.Time) (time.Time, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || n != n {
		return time.Time{}, false
	}
	if n > 1e9 {
		return epochTime(n), true
	}
	return now.Add(seconds(n)), true
}

// seconds converts a non-negative count of seconds, capping absurd values
// at a day.
func seconds(s float64) time.Duration {
	if s <= 0 || s != s {
		return 0
	}
	if s > 86400 {
		s = 86400
	}
	return time.Duration(s * float64(time.Second))
}
