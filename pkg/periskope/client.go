package periskope

import (
	"context"
	"net/http"
	"time"
)

// DefaultBaseURL is Periskope's production API.
const DefaultBaseURL = "https://api.periskope.app/v1"

// KeyProvider supplies the API key for each request, so a key kept in a
// secret store can be cached and rotated.
type KeyProvider interface {
	APIKey(ctx context.Context) (string, error)
}

// KeyRefresher is a KeyProvider that can drop its cached key. On a 401 the
// client refreshes once and retries, so a rotated key takes effect at once.
type KeyRefresher interface {
	KeyProvider
	RefreshAPIKey(ctx context.Context) (string, error)
}

// StaticKey is a KeyProvider that always returns itself.
type StaticKey string

// APIKey returns k.
func (k StaticKey) APIKey(context.Context) (string, error) { return string(k), nil }

// Clock tells time and waits; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// RetryPolicy bounds retries of 429 and 5xx answers.
type RetryPolicy struct {
	MaxAttempts    int           // including the first; 1 disables retries
	BaseDelay      time.Duration // first backoff, doubled each attempt, with jitter
	MaxDelay       time.Duration // cap of one backoff
	AttemptTimeout time.Duration // limit of one attempt
}

// DefaultRetryPolicy is 3 attempts, 200ms base, 2s cap, 8s per attempt.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, AttemptTimeout: 8 * time.Second}

// Client calls the Periskope API. It is safe for concurrent use.
type Client struct{}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the API prefix (default DefaultBaseURL).
func WithBaseURL(u string) Option { panic("TODO") }

// WithAPIKey sets a fixed API key.
func WithAPIKey(key string) Option { panic("TODO") }

// WithKeyProvider sets where the API key comes from.
func WithKeyProvider(p KeyProvider) Option { panic("TODO") }

// WithPhone sets the x-phone header: digits with country code, or a phone-… id.
func WithPhone(phone string) Option { panic("TODO") }

// WithHTTPClient sets the HTTP client (default: one with sane transport limits).
func WithHTTPClient(hc *http.Client) Option { panic("TODO") }

// WithRetryPolicy sets the retry policy (default DefaultRetryPolicy).
func WithRetryPolicy(p RetryPolicy) Option { panic("TODO") }

// WithClock sets the clock used for backoff and rate-limit resets.
func WithClock(c Clock) Option { panic("TODO") }

// New builds a Client. It fails on a malformed base URL or phone, or without a key.
func New(opts ...Option) (*Client, error) { panic("TODO") }

// CreateTicket calls POST /tickets/create. It is retried only when Periskope
// certainly did not process it (429, connection refused), never after a
// timeout or a 5xx, which could create a duplicate.
func (c *Client) CreateTicket(ctx context.Context, req CreateTicketRequest) (*TicketInfo, error) {
	panic("TODO")
}

// GetTicket calls GET /tickets/{ticket_id}.
func (c *Client) GetTicket(ctx context.Context, ticketID string) (*TicketInfo, error) {
	panic("TODO")
}

// UpdateTicket calls PATCH /tickets/{ticket_id}.
func (c *Client) UpdateTicket(ctx context.Context, ticketID string, req UpdateTicketRequest) (*TicketInfo, error) {
	panic("TODO")
}

// ListTickets calls GET /tickets.
func (c *Client) ListTickets(ctx context.Context, p ListTicketsParams) (*TicketList, error) {
	panic("TODO")
}
