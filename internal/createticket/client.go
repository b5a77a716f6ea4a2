package createticket

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// RetryPolicy is the Periskope client's policy for creates, which are
// retried only where Periskope certainly did not process them (429,
// periskope.NeverSent): an attempt may use the whole budget, a create never
// being retried after a timeout, and only a near rate-limit reset is
// waited for.
var RetryPolicy = periskope.RetryPolicy{
	MaxAttempts:      3,
	BaseDelay:        200 * time.Millisecond,
	MaxDelay:         time.Second,
	RateLimitMaxWait: 3 * time.Second,
}

// dialFunc makes the HTTP client's connections; nil is a net.Dialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newPeriskopeClient builds the function's client, whose HTTP client
// counts attempts for the request log and bounds connect and TLS times
// (periskope.WithHTTPClient forbids redirects: Authorization would follow).
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

// withAttemptCounter returns a context under which every HTTP attempt of a
// newPeriskopeClient client increments the returned counter.
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
