package createticket

import (
	"context"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// KeyMinRefreshInterval is how soon after the last Secrets Manager call a
// 401 from Periskope may cause another: a burst of 401s (a revoked key) is
// one call, while a rotated key is picked up by the first 401. The route is
// IAM-authenticated, so callers cannot cheaply force refreshes.
const KeyMinRefreshInterval = 5 * time.Second

// SecretKeys serves the Periskope API key from Secrets Manager through a
// secretcache.Cache; its RefreshAPIKey makes the client refresh once and
// retry on a 401.
type SecretKeys struct {
	cache *secretcache.Cache[string]
}

// The client finds RefreshAPIKey by this signature; a typo would silently
// disable the refresh.
var _ interface {
	periskope.KeyProvider
	RefreshAPIKey(ctx context.Context) (string, error)
} = (*SecretKeys)(nil)

// NewSecretKeys reads the key from secretID, a secret holding the key itself
// or JSON {"api_key": "..."}; opts override KeyMinRefreshInterval.
func NewSecretKeys(getter secretcache.Getter, secretID string, opts ...secretcache.Option) *SecretKeys {
	opts = append([]secretcache.Option{secretcache.WithMinRefreshInterval(KeyMinRefreshInterval)}, opts...)
	return &SecretKeys{cache: secretcache.New(getter, secretID, secretcache.ParseAPIKey, opts...)}
}

// APIKey returns the cached key.
func (k *SecretKeys) APIKey(ctx context.Context) (string, error) { return k.cache.Get(ctx) }

// RefreshAPIKey reads the secret again, at most once per
// KeyMinRefreshInterval.
func (k *SecretKeys) RefreshAPIKey(ctx context.Context) (string, error) {
	return k.cache.Refresh(ctx)
}
