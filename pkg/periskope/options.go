package periskope

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the API prefix, e.g. "http://127.0.0.1:4010/v1".
func WithBaseURL(u string) Option {
	return func(c *Client) error {
		// Errors quote the URL with any password masked, and not at all
		// when it does not parse.
		parsed, err := url.Parse(strings.TrimSpace(u))
		if err != nil {
			// *url.Error quotes the whole URL; keep only its reason.
			return fmt.Errorf("periskope: base URL: %w", errors.Unwrap(err))
		}
		if parsed.Scheme != "http" && parsed.Scheme != "https" || parsed.Host == "" {
			return fmt.Errorf("periskope: base URL %q: want http(s)://host[/prefix]", parsed.Redacted())
		}
		if parsed.RawQuery != "" || parsed.Fragment != "" || parsed.User != nil {
			return fmt.Errorf("periskope: base URL %q: no query, fragment or user info allowed", parsed.Redacted())
		}
		c.baseURL = strings.TrimRight(parsed.String(), "/")
		return nil
	}
}

// WithAPIKey sets a fixed API key.
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("periskope: empty API key")
		}
		c.keys = staticKey(key)
		return nil
	}
}

// WithKeyProvider sets where the API key comes from.
func WithKeyProvider(p KeyProvider) Option {
	return func(c *Client) error {
		if p == nil {
			return errors.New("periskope: nil KeyProvider")
		}
		c.keys = p
		return nil
	}
}

// WithPhone sets the x-phone header (see ValidatePhone).
func WithPhone(phone string) Option {
	return func(c *Client) error {
		if err := ValidatePhone(phone); err != nil {
			return err
		}
		c.phone = phone
		return nil
	}
}

// WithHTTPClient sets the HTTP client, used as a copy that never redirects.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("periskope: nil *http.Client")
		}
		noFollow := *hc
		noFollow.CheckRedirect = refuseRedirect
		c.http = &noFollow
		return nil
	}
}

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

// WithRetryPolicy sets the retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("periskope: retry policy: MaxAttempts %d < 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < 0 || p.AttemptTimeout < 0 || p.RateLimitMaxWait < 0 {
			return errors.New("periskope: retry policy: negative duration")
		}
		c.retry = p
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("periskope: user agent contains a line break")
		}
		c.userAgent = ua
		return nil
	}
}
