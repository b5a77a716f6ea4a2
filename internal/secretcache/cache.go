// Package secretcache keeps a Secrets Manager secret in memory for the life
// of a Lambda container: fetched on first use, refreshed after a TTL, and
// served stale when a refresh fails, so a Secrets Manager outage does not
// take down a warm function.
package secretcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Errors returned by Get and Refresh. Both mean no usable value is cached.
var (
	// ErrUnavailable wraps the failure to read the secret from Secrets Manager.
	ErrUnavailable = errors.New("secretcache: secret unavailable")
	// ErrMalformed means the secret was read but its value is not in the expected format.
	ErrMalformed = errors.New("secretcache: secret value malformed")
)

// Getter is the one Secrets Manager call the cache needs.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Defaults for New.
const (
	DefaultTTL                = 5 * time.Minute
	DefaultMinRefreshInterval = time.Minute
	DefaultFetchTimeout       = 2 * time.Second
)

// Cache holds one parsed secret value. It is safe for concurrent use; only
// one fetch runs at a time.
type Cache[T any] struct {
	getter      Getter
	secretID    string
	parse       func(string) (T, error)
	ttl         time.Duration
	minInterval time.Duration
	timeout     time.Duration
	now         func() time.Time

	mu        sync.Mutex
	value     T
	hasValue  bool
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt, successful or not
}

// Option configures a Cache.
type Option func(*options)

type options struct {
	ttl         time.Duration
	minInterval time.Duration
	timeout     time.Duration
	now         func() time.Time
}

// WithTTL sets how long a fetched value is served before Get refreshes it.
func WithTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithMinRefreshInterval sets how soon after the last fetch a forced Refresh
// may call Secrets Manager again. It keeps callers that cannot be trusted
// (anyone can send a webhook with a wrong signature) from turning every
// request into a Secrets Manager call.
func WithMinRefreshInterval(d time.Duration) Option {
	return func(o *options) { o.minInterval = d }
}

// WithFetchTimeout bounds one Secrets Manager call, so a hanging dependency
// turns into a stale value or a clear error well before the Lambda deadline.
func WithFetchTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithClock sets the time source (for tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// New returns a cache of secretID whose raw value is turned into T by parse.
// It makes no call until the first Get.
func New[T any](getter Getter, secretID string, parse func(string) (T, error), opts ...Option) *Cache[T] {
	o := options{ttl: DefaultTTL, minInterval: DefaultMinRefreshInterval, timeout: DefaultFetchTimeout, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return &Cache[T]{getter: getter, secretID: secretID, parse: parse, ttl: o.ttl, minInterval: o.minInterval, timeout: o.timeout, now: o.now}
}

// Get returns the cached value, fetching it if there is none or it is older
// than the TTL. If a refresh fails but a value was fetched before, that value
// is returned (stale beats down).
func (c *Cache[T]) Get(ctx context.Context) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.hasValue && (now.Sub(c.fetchedAt) < c.ttl || now.Sub(c.triedAt) < c.minInterval) {
		// Fresh, or stale but a refresh failed moments ago: during a Secrets
		// Manager outage a warm container serves what it has instead of
		// adding a failing call to every request.
		return c.value, nil
	}
	return c.fetchLocked(ctx)
}

// Refresh fetches the secret again, unless the last attempt was less than
// the minimum refresh interval ago, in which case it returns what it has.
// Call it when the cached value was just rejected (a 401, no signing key
// matching): the secret may have been rotated.
func (c *Cache[T]) Refresh(ctx context.Context) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hasValue && c.now().Sub(c.triedAt) < c.minInterval {
		return c.value, nil
	}
	return c.fetchLocked(ctx)
}

func (c *Cache[T]) fetchLocked(ctx context.Context) (T, error) {
	c.triedAt = c.now()
	value, err := c.fetch(ctx)
	if err != nil {
		if c.hasValue {
			return c.value, nil
		}
		var zero T
		return zero, err
	}
	c.value, c.hasValue, c.fetchedAt = value, true, c.triedAt
	return value, nil
}

func (c *Cache[T]) fetch(ctx context.Context) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
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
