// Package sandbox is a local Periskope: it serves create, get and list of
// tickets under /v1, validates every request against the seed OpenAPI
// description, and after each create posts a signed ticket.created webhook,
// retrying like a real sender. Faults (429, 500, slow answers, dropped
// deliveries) and counters are reached through /__sandbox/* or the Go API.
// Tests use it as stripe-mock is used (see ExampleListen).
package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// DefaultOrgID is the local organisation (its phone is Config.OrgPhone),
// whose tickets are LOC-001, LOC-002, ...
const DefaultOrgID = "10ca1000-5a4d-4b0c-8000-000000000001"

// DefaultRateLimit is the X-RateLimit-Limit per second, 10 as in Periskope's
// seed example. It is not enforced (a rate_limit fault answers 429);
// Stats.MaxRequestsPerSecond shows how close a client came to it.
const DefaultRateLimit = 10

// Config configures a Sandbox. Zero fields take the defaults. It accepts
// the bearer key local.APIKey and signs webhooks with local.SigningKey.
type Config struct {
	WebhookURL string // receives ticket.created deliveries; empty sends none
	// Delivery bounds the webhook retries (default: 5 attempts, backoffs
	// 250ms, 500ms, 1s, 2s).
	Delivery   DeliveryPolicy
	OrgPhone   string       // the local organisation's number (default local.Phone)
	Log        io.Writer    // one line per request and per delivery; nil for none
	HTTPClient *http.Client // sends the webhooks (default: a client with a 10s timeout)
}

// DeliveryPolicy bounds webhook delivery attempts.
type DeliveryPolicy struct {
	MaxAttempts int           // including the first
	BaseDelay   time.Duration // first backoff, doubled after each failure
	MaxDelay    time.Duration // cap of one backoff
}

// Sandbox is the local Periskope, an http.Handler. It is safe for concurrent
// use. Close it to stop pending webhook deliveries.
type Sandbox struct {
	cfg  Config
	spec *periskopetest.Validator
	mux  *http.ServeMux

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	tickets  []*ticket // in creation order
	faults   []Fault   // for the next creates, in order
	drops    []Fault   // for the next deliveries, in order
	stats    Stats
	window   int64 // current rate-limit second (unix seconds)
	inWindow int   // API requests in it
}

// New builds a Sandbox.
func New(cfg Config) (*Sandbox, error) {
	cfg.OrgPhone = cmp.Or(cfg.OrgPhone, local.Phone)
	if cfg.Delivery.MaxAttempts <= 0 {
		cfg.Delivery = DeliveryPolicy{MaxAttempts: 5, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if err := periskopetest.CheckPhone(cfg.OrgPhone); err != nil {
		return nil, fmt.Errorf("sandbox: OrgPhone: %w", err)
	}
	sp, err := periskopetest.NewValidator()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sandbox{cfg: cfg, spec: sp, ctx: ctx, cancel: cancel}
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops pending and retrying deliveries and waits for them to end.
func (s *Sandbox) Close() {
	s.cancel()
	s.wg.Wait()
}

// WebhookURL returns where deliveries go.
func (s *Sandbox) WebhookURL() string { return s.cfg.WebhookURL }

func (s *Sandbox) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", args...)
	}
}

// Server is a Sandbox listening on a loopback address.
type Server struct {
	*Sandbox
	// URL is the server's root, e.g. "http://127.0.0.1:4010".
	URL string
	srv *http.Server
}

// BaseURL is the API prefix to hand a Periskope client ("<URL>/v1").
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Listen starts a Sandbox on addr ("127.0.0.1:4010"; port 0 picks a free one).
func Listen(addr string, cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	return Serve(ln, cfg)
}

// Serve starts a Sandbox on ln, which it then owns.
func Serve(ln net.Listener, cfg Config) (*Server, error) {
	sb, err := New(cfg)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Server{Sandbox: sb, URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the listener and pending deliveries.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.Sandbox.Close()
	return err
}
