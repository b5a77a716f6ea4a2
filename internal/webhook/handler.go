// Package webhook is the webhook function's logic: it verifies a Periskope
// delivery posted to POST /webhooks/periskope and stores each ticket.created
// exactly once.
//
// The endpoint is public, so nothing about a request is trusted before its
// signature is verified: the body is capped before it is read, an unsigned
// request is refused without touching any AWS service, and no part of the
// body is parsed or logged until a configured signing key matches.
//
// Its status and error codes are listed in docs/contract.md.
package webhook

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// DefaultMaxBodyBytes caps the decoded body, before the signature is
// checked, at Lambda's synchronous invoke limit: every delivery the
// platform carries is stored. The largest real delivery (samples.LargeGroup)
// is about 0.5 MB; a junk body this size costs one HMAC-SHA256 per key (a
// few milliseconds, BenchmarkVerifyLargestDelivery), and only when its
// signature header is well formed.
const DefaultMaxBodyBytes = 6 << 20

// storeTimeout bounds the DynamoDB write, retries included, so that a
// hanging DynamoDB is a 503 well before the function's timeout.
const storeTimeout = 5 * time.Second

// Metric names (the SAM template's alarms use them).
const (
	MetricStored            = "Stored"
	MetricDuplicate         = "Duplicate"
	MetricIgnored           = "Ignored"
	MetricSignatureRejected = "SignatureRejected"
	// MetricStoreRejected counts tickets DynamoDB refused for good: lost
	// unless someone acts, so the template alarms on the first one.
	MetricStoreRejected = "StoreRejected"
	// MetricSignedDeliveryRefused counts the 4xx answers to deliveries whose
	// signature matched: each is a ticket lost unless someone acts, so the
	// template alarms on the first.
	MetricSignedDeliveryRefused = "SignedDeliveryRefused"
)

// SigningKeys yields the configured signing keys, as *secretcache.Cache
// does; Refresh is called when no key matched.
type SigningKeys interface {
	Get(ctx context.Context) ([]string, error)
	Refresh(ctx context.Context) ([]string, error)
}

// TicketStore stores a ticket unless it is stored already, as
// *ticketstore.Store does; its errors drive the answer.
type TicketStore interface {
	Put(ctx context.Context, t *ticketstore.Ticket) error
}

// Deps are what a Handler works with. Keys and Store are required; a nil
// Logger or Metrics records nothing.
type Deps struct {
	Keys    SigningKeys
	Store   TicketStore
	Logger  *slog.Logger
	Metrics emf.Metrics
	// Now is the clock (received_at, latency). Nil is time.Now.
	Now func() time.Time
	// MaxBodyBytes caps the decoded body. Not positive is DefaultMaxBodyBytes.
	MaxBodyBytes int
}

// Handler answers webhook deliveries. It is safe for concurrent use.
type Handler struct{ d Deps }

// NewHandler returns a Handler over d.
func NewHandler(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Logger = cmp.Or(d.Logger, slog.New(slog.DiscardHandler))
	d.Metrics = cmp.Or(d.Metrics, emf.Discard)
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return &Handler{d: d}
}

// New returns the function's handler over AWS for cfg, as ConfigFromEnv
// checked it. Build it once per container; it makes no network call.
func New(awsCfg aws.Config, cfg Config, logger *slog.Logger, metrics emf.Metrics) *Handler {
	keys := secretcache.New(secretsmanager.NewFromConfig(awsCfg), cfg.SigningKeySecret, secretcache.ParseSigningKeys,
		secretcache.WithLogger(logger), secretcache.WithMetrics(metrics))
	return NewHandler(Deps{
		Keys:    keys,
		Store:   ticketstore.New(dynamodb.NewFromConfig(awsCfg), cfg.TicketsTable),
		Logger:  logger,
		Metrics: metrics,
	})
}

// Handle answers one request. Every failure is an HTTP answer; the error
// is always nil, so Lambda never reports an invocation error.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := h.d.Now()
	out := h.serve(ctx, &req)
	h.record(ctx, &req, out, h.d.Now().Sub(start))
	return out.response(), nil
}
