// Package secretcache keeps a Secrets Manager secret in memory for the life
// of a Lambda container: fetched on first use and refreshed after a TTL.
//
// After a transient failure of a refresh (no answer, throttling, a 5xx)
// the last value is served stale, for at most MaxStale past its TTL, so a
// short Secrets Manager outage does not take down a warm function. After a
// permanent one (the secret deleted, access denied, a value that does not
// parse) the value is dropped at once: a revoked key must stop working.
//
// With no value cached, a failed read is remembered for DefaultFailureTTL,
// so that a flood of requests during a failure is not one call each.
package secretcache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/emf"
)

// Errors returned by Get and Refresh. Both mean no usable value is cached.
var (
	// ErrUnavailable wraps the failure to read the secret from Secrets Manager.
	ErrUnavailable = errors.New("secretcache: secret unavailable")
	// ErrMalformed: the secret's value is not in the expected format.
	ErrMalformed = errors.New("secretcache: secret value malformed")
)

// Getter is the one Secrets Manager call the cache needs.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// MetricRefreshFailed is counted once per failed read of the secret; the
// SAM template alarms on it.
const MetricRefreshFailed = "SecretRefreshFailed"

// Defaults of the options, and the bound of one call.
const (
	DefaultTTL                = 5 * time.Minute
	DefaultMinRefreshInterval = time.Minute
	DefaultFailureTTL         = 5 * time.Second
	fetchTimeout              = 2 * time.Second // well before the Lambda deadline
)

// MaxStale is how long past its TTL a value may be served while Secrets
// Manager fails transiently: a longer outage fails requests rather than
// trust a key nobody could confirm for over an hour.
const MaxStale = time.Hour

// Cache holds one parsed secret value. It is safe for concurrent use.
type Cache[T any] struct {
	getter   Getter
	secretID string
	parse    func(string) (T, error)
	options

	mu        sync.Mutex
	value     T
	hasValue  bool
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt, successful or not
	lastErr   error     // the last attempt's error, when no value is cached
}

// Option configures a Cache.
type Option func(*options)

type options struct {
	ttl         time.Duration
	minInterval time.Duration
	failureTTL  time.Duration
	maxStale    time.Duration
	logger      *slog.Logger
	metrics     emf.Metrics
}

// WithTTL replaces DefaultTTL: how long a value is served before Get
// refreshes it.
func WithTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithMinRefreshInterval replaces DefaultMinRefreshInterval, how soon
// after the last fetch Refresh may call again: anyone can send a webhook
// with a wrong signature, and that must not be a call each.
func WithMinRefreshInterval(d time.Duration) Option {
	return func(o *options) { o.minInterval = d }
}

// WithFailureTTL replaces DefaultFailureTTL.
func WithFailureTTL(d time.Duration) Option { return func(o *options) { o.failureTTL = d } }

// WithMaxStale replaces MaxStale.
func WithMaxStale(d time.Duration) Option { return func(o *options) { o.maxStale = d } }

// WithLogger sets where failed reads are logged (default: nowhere).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithMetrics sets where failed reads are counted (default: nowhere).
func WithMetrics(m emf.Metrics) Option { return func(o *options) { o.metrics = m } }

// New returns a cache of secretID whose value is turned into T by parse.
// It makes no call until the first Get.
func New[T any](getter Getter, secretID string, parse func(string) (T, error), opts ...Option) *Cache[T] {
	o := options{ttl: DefaultTTL, minInterval: DefaultMinRefreshInterval, failureTTL: DefaultFailureTTL, maxStale: MaxStale}
	for _, opt := range opts {
		opt(&o)
	}
	o.logger = cmp.Or(o.logger, slog.New(slog.DiscardHandler))
	o.metrics = cmp.Or(o.metrics, emf.Discard)
	return &Cache[T]{getter: getter, secretID: secretID, parse: parse, options: o}
}

// Get returns the cached value, fetching it if there is none or it is older
// than the TTL.
func (c *Cache[T]) Get(ctx context.Context) (T, error) { return c.load(ctx, false) }

// Refresh fetches the secret again unless the last attempt was within the
// minimum refresh interval. Call it when the value was just rejected: the
// secret may have been rotated, or revoked.
func (c *Cache[T]) Refresh(ctx context.Context) (T, error) { return c.load(ctx, true) }

// load is Get, or with force Refresh.
func (c *Cache[T]) load(ctx context.Context, force bool) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	switch {
	case !force && c.hasValue && now.Sub(c.fetchedAt) < c.ttl,
		c.hasValue && now.Sub(c.triedAt) < c.minInterval && c.servable(now):
		return c.value, nil
	case !c.hasValue && c.lastErr != nil && now.Sub(c.triedAt) < c.failureTTL:
		var zero T
		return zero, c.lastErr
	}
	c.triedAt = now
	value, err := c.fetch(ctx)
	if err == nil {
		c.value, c.hasValue, c.fetchedAt, c.lastErr = value, true, now, nil
		return value, nil
	}
	keep := c.hasValue && transient(err) && c.servable(now)
	c.report(ctx, err, keep)
	if keep {
		return c.value, nil
	}
	var zero T
	c.value, c.hasValue, c.lastErr = zero, false, err
	return zero, err
}

// servable reports whether the cached value is at most maxStale stale.
func (c *Cache[T]) servable(now time.Time) bool {
	return now.Sub(c.fetchedAt) < c.ttl+c.maxStale
}

// report logs and counts one failed read: the AWS error code, never the
// error's text (which could quote the value).
func (c *Cache[T]) report(ctx context.Context, err error, servingStale bool) {
	c.metrics.Count(MetricRefreshFailed, 1)
	kind := "permanent"
	if transient(err) {
		kind = "transient"
	}
	attrs := []slog.Attr{
		slog.String("secret", c.secretID),
		slog.String("aws_error", ErrorCode(err)),
		slog.String("failure", kind),
		slog.Bool("serving_stale", servingStale),
	}
	if servingStale {
		attrs = append(attrs, slog.String("stale_until", c.fetchedAt.Add(c.ttl+c.maxStale).UTC().Format(time.RFC3339)))
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "secret refresh failed", attrs...)
}

func (c *Cache[T]) fetch(ctx context.Context) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	out, err := c.getter.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &c.secretID})
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if out.SecretString == nil {
		return zero, fmt.Errorf("%w: secret has no string value", ErrMalformed)
	}
	value, err := c.parse(*out.SecretString)
	if err != nil {
		return zero, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return value, nil
}
