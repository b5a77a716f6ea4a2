package secretcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

// countingGetter counts the calls that reach the real client.
type countingGetter struct {
	secretcache.Getter
	calls int
}

func (c *countingGetter) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls++
	return c.Getter.GetSecretValue(ctx, in, opts...)
}

func TestAgainstMoto(t *testing.T) {
	moto := motoserver.Start(t)
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(moto.Config())
	if err := motoserver.PutSecret(ctx, sm, "signing", `{"signing_keys":["old"]}`); err != nil {
		t.Fatal(err)
	}
	getter := &countingGetter{Getter: sm}
	cache := secretcache.New(getter, "signing", secretcache.ParseSigningKeys, secretcache.WithMinRefreshInterval(0))

	for i := 0; i < 5; i++ {
		keys, err := cache.Get(ctx)
		if err != nil || len(keys) != 1 || keys[0] != "old" {
			t.Fatalf("Get = %v, %v", keys, err)
		}
	}
	if getter.calls != 1 {
		t.Fatalf("GetSecretValue calls = %d, want 1", getter.calls)
	}

	if err := motoserver.PutSecret(ctx, sm, "signing", `{"signing_keys":["new","old"]}`); err != nil {
		t.Fatal(err)
	}
	keys, err := cache.Refresh(ctx)
	if err != nil || len(keys) != 2 || keys[0] != "new" {
		t.Fatalf("Refresh after rotation = %v, %v", keys, err)
	}

	// Secrets Manager gone: the warm cache keeps its keys...
	moto.Stop()
	keys, err = cache.Refresh(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("Refresh with moto down = %v, %v; want the cached keys", keys, err)
	}
	// ...and a cold one fails with ErrUnavailable, within its fetch timeout.
	cold := secretcache.New(sm, "signing", secretcache.ParseSigningKeys, secretcache.WithFetchTimeout(time.Second))
	if _, err := cold.Get(ctx); !errors.Is(err, secretcache.ErrUnavailable) {
		t.Fatalf("cold Get with moto down: err = %v, want ErrUnavailable", err)
	}
}

func TestMissingSecretAgainstMoto(t *testing.T) {
	moto := motoserver.Start(t)
	cache := secretcache.New(secretsmanager.NewFromConfig(moto.Config()), "nope", secretcache.ParseAPIKey)
	if _, err := cache.Get(context.Background()); !errors.Is(err, secretcache.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}
