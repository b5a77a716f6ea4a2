package createticket

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// RetryPolicy is the Periskope client's policy for creates. The client
// retries a create only where Periskope certainly did not process it (429,
// no connection made: periskope.NeverSent); each attempt may use the whole budget the handler
// gives the call (there is no point in a shorter attempt: a create is never
// retried after a timeout), and a rate-limit reset is waited for only when
// it is near.
var RetryPolicy = periskope.RetryPolicy{
	MaxAttempts:      3,
	BaseDelay:        200 * time.Millisecond,
	MaxDelay:         time.Second,
	AttemptTimeout:   0,
	RateLimitMaxWait: 3 * time.Second,
}

// dialFunc makes the HTTP client's connections; nil is a net.Dialer with a
// bounded connect time.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newPeriskopeClient builds the client the function uses: cfg's base URL and
// phone, keys for the API key, RetryPolicy, and an HTTP client that counts
// attempts for the request log. Its connect and TLS times are bounded, and
// it follows no redirect, periskope.WithHTTPClient never letting a client do
// so (Authorization would go with it, and a 307 would repeat the create).
func newPeriskopeClient(cfg Config, keys periskope.KeyProvider, dial dialFunc) (*periskope.Client, error) {
	if dial == nil {
		dial = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = dial
	t.TLSHandshakeTimeout = 3 * time.Second
	t.MaxIdleConnsPerHost = 10
	return periskope.New(
		periskope.WithBaseURL(cfg.BaseURL),
		periskope.WithPhone(cfg.Phone),
		periskope.WithKeyProvider(keys),
		periskope.WithRetryPolicy(RetryPolicy),
		periskope.WithHTTPClient(&http.Client{Transport: countingTransport{base: t}}),
	)
}

type attemptCounterKey struct{}

// withAttemptCounter returns a context under which every HTTP attempt made
// through a newPeriskopeClient client increments the returned counter.
func withAttemptCounter(ctx context.Context) (context.Context, *atomic.Int32) {
	n := new(atomic.Int32)
	return context.WithValue(ctx, attemptCounterKey{}, n), n
}

type countingTransport struct{ base http.RoundTripper }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if n, ok := req.Context().Value(attemptCounterKey{}).(*atomic.Int32); ok {
		n.Add(1)
	}
	return t.base.RoundTrip(req)
}
