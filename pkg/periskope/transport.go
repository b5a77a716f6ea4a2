package periskope

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ratereset"
)

// maxResponseBytes bounds an answer (else ErrMalformedResponse): far above a
// large group's ticket or a page, and within Lambda's 6 MB response limit.
const maxResponseBytes = 5 << 20

// request is one API call.
type request struct {
	method string
	path   string // below the base URL, starting with "/"
	query  string // encoded, without "?"; "" for none
	body   any    // sent as JSON; nil for none
	// idempotent calls are also retried after 5xx and transport failures.
	idempotent bool
}

// op names the call in errors and logs, e.g. "POST /tickets/create".
func (r request) op() string { return r.method + " " + r.path }

// response is an answer, read in full.
type response struct {
	op     string
	status int
	header http.Header
	body   []byte
}

// do sends r, retrying as the policy and the kind of call allow, and
// returns the first 2xx answer.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("periskope: encoding request: %w", err)
		}
	}
	key, err := checkKey(c.keys.APIKey(ctx))
	if err != nil {
		return nil, err
	}
	refresher, canRefresh := c.keys.(interface {
		RefreshAPIKey(ctx context.Context) (string, error)
	})
	for attempt := 1; ; attempt++ {
		resp, err := c.send(ctx, r, body, key)
		if err == nil && resp.status >= 200 && resp.status < 300 {
			return resp, nil
		}
		var apiErr *APIError
		if err == nil {
			apiErr = newAPIError(resp)
			err = apiErr
		}
		switch {
		case apiErr == nil: // no answer
			if ctx.Err() != nil || !(r.idempotent || NeverSent(err)) {
				return nil, err
			}
		case apiErr.StatusCode == http.StatusUnauthorized && canRefresh:
			// Once, and not as a policy retry; an unchanged key would
			// only be refused again.
			canRefresh = false
			newKey, rerr := checkKey(refresher.RefreshAPIKey(ctx))
			if rerr != nil {
				// Both wrapped: the caller may tell a refused key from a
				// key it can no longer read.
				return nil, fmt.Errorf("%w (refreshing the API key failed: %w)", apiErr, rerr)
			}
			if newKey == key {
				return nil, apiErr
			}
			key = newKey
			attempt--
			continue
		case apiErr.StatusCode == http.StatusTooManyRequests:
			apiErr.RetryAfter = rateLimitWait(resp.header)
			if limit := c.retry.RateLimitMaxWait; limit > 0 && apiErr.RetryAfter > limit {
				return nil, apiErr
			}
		case apiErr.StatusCode < 500 || !r.idempotent:
			return nil, apiErr
		}
		if attempt >= c.retry.MaxAttempts {
			return nil, err
		}
		delay := c.backoff(attempt)
		if apiErr != nil && apiErr.RetryAfter > 0 {
			delay = apiErr.RetryAfter + jitter(c.retry.BaseDelay)
		}
		// Never sleep past the caller's deadline: answer now with what we
		// know (for a 429, RetryAfter tells the caller when to come back).
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("periskope: %s: %w while waiting to retry after: %v", r.op(), ctx.Err(), err)
		case <-time.After(delay):
		}
	}
}

// send makes one attempt, bounded by AttemptTimeout.
func (c *Client) send(ctx context.Context, r request, body []byte, key string) (*response, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.retry.AttemptTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.retry.AttemptTimeout)
	}
	defer cancel()

	op := r.op()
	u := c.baseURL + r.path
	if r.query != "" {
		u += "?" + r.query
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("periskope: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if c.phone != "" {
		req.Header.Set("x-phone", c.phone)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	var data []byte
	resp, err := c.http.Do(req)
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
		resp.Body.Close()
	}
	switch {
	case err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded):
		// The attempt's own timeout matches context.DeadlineExceeded,
		// whatever net/http made of it, and still wraps err, so a dial
		// that timed out stays NeverSent.
		return nil, fmt.Errorf("periskope: %s: attempt timed out after %s: %w (%w)", op, c.retry.AttemptTimeout, context.DeadlineExceeded, err)
	case err != nil:
		return nil, fmt.Errorf("periskope: %s: %w", op, err)
	case len(data) > maxResponseBytes:
		return nil, fmt.Errorf("%w: %s: answer larger than %d bytes", ErrMalformedResponse, op, maxResponseBytes)
	}
	return &response{op: op, status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// defaultHTTPClient bounds connecting and idling; each request is bounded by
// the retry policy's AttemptTimeout through its context.
func defaultHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{CheckRedirect: refuseRedirect, Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   10,
	}}
}

// refuseRedirect returns a 3xx answer: following it would send Authorization
// wherever Location points (net/http keeps it for the same host on another
// port or scheme), and repeat a POST on a 307 or 308.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

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
// Retry-After (seconds or an HTTP date) and X-RateLimit-Reset.
func rateLimitWait(h http.Header) time.Duration {
	now := time.Now()
	var wait time.Duration
	retryAfter := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.ParseFloat(retryAfter, 64); err == nil {
		wait = ratereset.Seconds(secs)
	} else if t, err := http.ParseTime(retryAfter); err == nil {
		wait = t.Sub(now)
	}
	if reset, ok := ratereset.Parse(h.Get("X-RateLimit-Reset"), now); ok {
		wait = max(wait, reset.Sub(now))
	}
	return max(wait, 0)
}

// ticketInfo sends r and decodes the answer with its trace id. Create's and
// get's must name a ticket_id; PATCH's, undocumented, may be empty.
func (c *Client) ticketInfo(ctx context.Context, req request, mustNameTicket bool) (*TicketInfo, error) {
	r, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if !mustNameTicket && len(bytes.TrimSpace(r.body)) == 0 {
		return &TicketInfo{TraceID: r.traceID()}, nil
	}
	ti, err := decodeTicketInfo(r.body)
	if err != nil {
		return nil, r.malformed(err.Error())
	}
	if mustNameTicket && (ti.Ticket == nil || strings.TrimSpace(ti.Ticket.TicketID) == "") {
		return nil, r.malformed("no ticket_id in the answer")
	}
	ti.TraceID = r.traceID()
	return ti, nil
}

// ticketList sends r and decodes a page of tickets: a TicketList object or
// a bare array.
func (c *Client) ticketList(ctx context.Context, req request) (*TicketList, error) {
	r, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	var l TicketList
	switch body := bytes.TrimSpace(r.body); {
	case len(body) > 0 && body[0] == '[':
		l.Tickets, err = decodeTicketArray(body)
		l.Count = len(l.Tickets)
	case string(body) == "null":
		err = errNull
	default:
		err = decodeInto((*ticketListFields)(&l), body)
	}
	if err != nil {
		return nil, r.malformed("not a ticket list")
	}
	l.Raw = bytes.Clone(r.body)
	l.TraceID = r.traceID()
	return &l, nil
}

// traceID is the x-periskope-trace-id of the answer, for support.
func (r *response) traceID() string { return r.header.Get("x-periskope-trace-id") }

// malformed reports an unusable 2xx answer, with the trace id for support.
func (r *response) malformed(why string) error {
	if id := r.traceID(); id != "" {
		why += " (trace id " + id + ")"
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformedResponse, r.op, why)
}
