package periskope

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// maxResponseBytes is the largest answer the client reads; a larger one is
// ErrMalformedResponse. A ticket info object, even of a large group, and a
// page of tickets are far smaller, and 5 MB keeps an answer passed on
// whole within Lambda's 6 MB response limit.
const maxResponseBytes = 5 << 20

// request is one API call.
type request struct {
	method string
	path   string // below the base URL, starting with "/"
	query  url.Values
	body   []byte // nil for none
	// idempotent calls are also retried after 5xx answers and transport
	// failures; others only where Periskope certainly did not process them.
	idempotent bool
}

// op names the call in errors and logs, e.g. "POST /tickets/create".
func (r request) op() string { return r.method + " " + r.path }

// send makes one attempt, bounded by AttemptTimeout. A timeout of the
// attempt itself is reported as context.DeadlineExceeded.
func (c *Client) send(ctx context.Context, r request, key string) (int, http.Header, []byte, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.retry.AttemptTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.retry.AttemptTimeout)
	}
	defer cancel()

	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("periskope: %s: %w", r.op(), err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if c.phone != "" {
		req.Header.Set(headerPhone, c.phone)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.transportError(ctx, actx, r, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, c.transportError(ctx, actx, r, err)
	}
	if len(data) > maxResponseBytes {
		return 0, nil, nil, fmt.Errorf("%w: %s: answer larger than %d bytes", ErrMalformedResponse, r.op(), maxResponseBytes)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// transportError wraps a failure to get an answer. When the attempt's own
// timeout fired (and not the caller's context) the error matches
// context.DeadlineExceeded whatever net/http made of it, and still wraps
// the original error (a dial that timed out stays recognisable).
func (c *Client) transportError(ctx, actx context.Context, r request, err error) error {
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("periskope: %s: attempt timed out after %s: %w (%w)", r.op(), c.retry.AttemptTimeout, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("periskope: %s: %w", r.op(), err)
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

// refuseRedirect makes net/http return a 3xx answer instead of following
// it. Following would send the request, Authorization included, wherever
// the Location points (net/http keeps the header for the same host on
// another port or scheme), and repeat a POST on a 307 or 308.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
