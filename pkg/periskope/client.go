package periskope

import (
	"errors"
	"net/http"
)

// defaultUserAgent is sent unless WithUserAgent sets another.
const defaultUserAgent = "periskope-go"

// Header names of Periskope's API.
const (
	headerPhone          = "x-phone"
	headerTraceID        = "x-periskope-trace-id"
	headerRateLimitReset = "X-RateLimit-Reset"
	headerRetryAfter     = "Retry-After"
)

// Client calls the Periskope API.
type Client struct {
	baseURL   string // without a trailing slash
	keys      KeyProvider
	phone     string
	http      *http.Client
	retry     RetryPolicy
	userAgent string
}

// New builds a Client; it needs WithAPIKey or WithKeyProvider.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		baseURL:   DefaultBaseURL,
		retry:     DefaultRetryPolicy,
		userAgent: defaultUserAgent,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.keys == nil {
		return nil, errors.New("periskope: no API key: use WithAPIKey or WithKeyProvider")
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	return c, nil
}
