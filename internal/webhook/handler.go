// Package webhook is the webhook function's logic: it verifies a Periskope
// delivery posted to POST /webhooks/periskope and stores each ticket.created
// exactly once.
//
// The endpoint is public, so nothing about a request is trusted before its
// signature is verified: the body is capped before it is read, an unsigned
// request is refused without touching any AWS service, and no part of the
// body is parsed or logged until a configured signing key matches.
//
// The status and error codes it answers, the same as create-ticket's for
// the faults both routes meet, are listed in docs/contract.md,
// the contract; they are not repeated here.
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
// checked. It is Lambda's synchronous invoke limit, 6 MiB: no larger body
// reaches the function, so every delivery the platform carries is read,
// verified and stored. The largest real delivery (a group at WhatsApp's
// 1,024 members with 100 messages, samples.LargeGroup) is about 0.5 MB, a
// tenfold margin; a junk body this size costs one HMAC-SHA256 per key (a
// few milliseconds, BenchmarkVerifyLargestDelivery), and only when its
// signature header is well formed.
const DefaultMaxBodyBytes = 6 << 20

// storeTimeout bounds the DynamoDB write, retries included, so that a
// hanging dependency is answered with 503 well before the function's
// timeout.
const storeTimeout = 5 * time.Second

// Metric names, written as CloudWatch EMF counts with the dimension
// Function=webhook. The SAM template's alarms refer to them.
const (
	MetricStored            = "Stored"
	MetricDuplicate         = "Duplicate"
	MetricIgnored           = "Ignored"
	MetricSignatureRejected = "SignatureRejected"
	// MetricStoreRejected counts tickets DynamoDB refused for good (500
	// store_rejected): lost unless someone acts, so the template alarms on
	// the first one.
	MetricStoreRejected = "StoreRejected"
	// MetricSignedDeliveryRefused counts the 4xx answers to deliveries whose
	// signature matched: Periskope sent them, so each is a ticket lost
	// unless someone acts (a payload change, a ticket too large to store).
	// The error code is in the log line; the template alarms on the first.
	MetricSignedDeliveryRefused = "SignedDeliveryRefused"
)

// SigningKeys yields the configured signing keys. *secretcache.Cache does.
type SigningKeys interface {
	// Get returns the cached keys, fetching them when needed.
	Get(ctx context.Context) ([]string, error)
	// Refresh fetches them again unless that was done moments ago: called
	// when no key matched, as the secret may have been rotated.
	Refresh(ctx context.Context) ([]string, error)
}

// TicketStore stores a ticket unless it is stored already. *ticketstore.Store
// does; its errors (ErrDuplicate, ErrUnavailable, ...) drive the answer.
type TicketStore interface {
	Put(ctx context.Context, t *ticketstore.Ticket) error
}

// Deps are what a Handler works with. Keys and Store are required; the
// others have working zero values.
type Deps struct {
	// Keys yields the signing keys deliveries are verified with.
	Keys SigningKeys
	// Store keeps each ticket once.
	Store TicketStore
	// Logger gets one line per request. Nil logs nothing.
	Logger *slog.Logger
	// Metrics receives one count per stored, duplicate, ignored,
	// signature-rejected or store-rejected delivery. Nil records nothing.
	Metrics emf.Metrics
	// Now is the clock (received_at, latency). Nil is time.Now.
	Now func() time.Time
	// MaxBodyBytes caps the decoded body. Zero is DefaultMaxBodyBytes.
	MaxBodyBytes int
}

// Handler answers webhook deliveries. It is safe for concurrent use.
type Handler struct{ d Deps }

// NewHandler returns a Handler over d, its zero values replaced by their
// defaults.
func NewHandler(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Logger = cmp.Or(d.Logger, slog.New(slog.DiscardHandler))
	d.Metrics = cmp.Or(d.Metrics, emf.Discard)
	// Not positive is unset: a negative limit would refuse every delivery.
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return &Handler{d: d}
}

// New returns the function's handler over AWS: signing keys read from the
// secret cfg.SigningKeySecret through a per-container cache, tickets stored
// in cfg.TicketsTable. Failed reads of the secret are logged to logger and
// counted in metrics. Build it once per container (at init); it makes no
// network call. cfg is ConfigFromEnv's, which checked it.
func New(awsCfg aws.Config, cfg Config, logger *slog.Logger, metrics emf.Metrics) *Handler {
	keys := NewSigningKeys(secretsmanager.NewFromConfig(awsCfg), cfg.SigningKeySecret,
		secretcache.WithLogger(logger), secretcache.WithMetrics(metrics))
	return NewHandler(Deps{
		Keys:    keys,
		Store:   ticketstore.New(dynamodb.NewFromConfig(awsCfg), cfg.TicketsTable),
		Logger:  logger,
		Metrics: metrics,
	})
}

// NewSigningKeys returns the cache of the signing keys kept in the secret
// secretID, in either of the formats secretcache.ParseSigningKeys reads.
func NewSigningKeys(sm secretcache.Getter, secretID string, opts ...secretcache.Option) *secretcache.Cache[[]string] {
	return secretcache.New(sm, secretID, secretcache.ParseSigningKeys, opts...)
}

// Handle answers one API Gateway HTTP API request. Every failure is an HTTP
// answer; the error is always nil, so Lambda never retries or reports an
// invocation error for a bad request.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := h.d.Now()
	out := h.serve(ctx, &req)
	h.record(ctx, &req, out, h.d.Now().Sub(start))
	return out.response(), nil
}
