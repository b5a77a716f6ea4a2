package periskope

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the Periskope API, safe for concurrent use. It retries 429s,
// reads and updates after 5xx or timeouts, and a create only if NeverSent.
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
		userAgent: "periskope-go",
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

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the API prefix, e.g. "http://127.0.0.1:4010/v1".
func WithBaseURL(u string) Option {
	return func(c *Client) error {
		parsed, err := url.Parse(strings.TrimSpace(u))
		if err != nil {
			// *url.Error quotes the whole URL, password included.
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

// WithKeyProvider sets the key source; on a 401 it retries once with a new key.
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

// KeyProvider gives API keys; optionally RefreshAPIKey(ctx) (string, error).
type KeyProvider interface {
	APIKey(ctx context.Context) (string, error)
}

// staticKey is the KeyProvider of WithAPIKey.
type staticKey string

func (k staticKey) APIKey(context.Context) (string, error) { return string(k), nil }

// checkKey checks a key just fetched (key, err) can go into a header.
func checkKey(key string, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("periskope: API key: %w", err)
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", errors.New("periskope: API key is empty or contains control characters")
	}
	return key, nil
}

// ValidatePhone checks an x-phone value: 919876543210 or phone-[a-z0-9]+.
func ValidatePhone(phone string) error {
	if id, ok := strings.CutPrefix(phone, "phone-"); ok {
		if id != "" && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
			return nil
		}
		return fmt.Errorf("periskope: phone id %q: want phone- followed by lowercase letters and digits", phone)
	}
	// As Periskope writes it: 7 to 15 digits, no "+" or leading zero. Not a
	// regular expression: compiling one costs a Lambda 1 ms of cold start.
	if len(phone) >= 7 && len(phone) <= 15 && phone[0] != '0' && isDigits(phone) {
		return nil
	}
	return fmt.Errorf("periskope: phone %q: want country code and number as digits only (e.g. 919876543210) or a phone-… id", phone)
}

// NormalizeChatID trims id and appends "@c.us" to bare digits (as the SDK).
func NormalizeChatID(id string) string {
	id = strings.TrimSpace(id)
	if isDigits(id) {
		return id + "@c.us"
	}
	return id
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
