package secretcache_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

func TestAgainstMoto(t *testing.T) {
	moto := motoserver.Start(t)
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(moto.Config())
	if err := motoserver.PutSecret(ctx, sm, "signing", `{"signing_keys":["old"]}`); err != nil {
		t.Fatal(err)
	}
	getter := &fakeaws.SecretsManager{Next: sm}
	cache := secretcache.New(getter, "signing", secretcache.ParseSigningKeys, secretcache.WithMinRefreshInterval(0))

	for i := 0; i < 5; i++ {
		keys, err := cache.Get(ctx)
		if err != nil || len(keys) != 1 || keys[0] != "old" {
			t.Fatalf("Get = %v, %v", keys, err)
		}
	}
	if getter.Calls() != 1 {
		t.Fatalf("GetSecretValue calls = %d, want 1", getter.Calls())
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
	cold := secretcache.New(sm, "signing", secretcache.ParseSigningKeys)
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

// TestRevocationAgainstMoto changes the secret under a warm cache on a real
// Secrets Manager API: junk, deleted, scheduled for deletion. Each drops
// the cached keys at the next refresh, and a good value brings them back.
func TestRevocationAgainstMoto(t *testing.T) {
	moto := motoserver.Start(t)
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(moto.Config())
	put := func(value string) {
		t.Helper()
		if err := motoserver.PutSecret(ctx, sm, "signing", value); err != nil {
			t.Fatal(err)
		}
	}
	put(`{"signing_keys":["old"]}`)
	// moto is reached over sockets, which a synctest bubble does not
	// allow: the cache gets real lifetimes to wait out. The failure is
	// remembered for failureTTL from the start of the failed fetch, and
	// the Get after it must still be within: on a loaded machine under
	// -race the fetch alone may take a good part of a second.
	const minRefresh, failureTTL = 50 * time.Millisecond, 2 * time.Second
	getter := &fakeaws.SecretsManager{Next: sm}
	kc := newKeysCache(getter, secretcache.WithMinRefreshInterval(minRefresh), secretcache.WithFailureTTL(failureTTL))
	if keys, err := kc.Get(ctx); err != nil || len(keys) != 1 {
		t.Fatalf("Get = %v, %v", keys, err)
	}

	steps := []struct {
		name    string
		revoke  func()
		wantErr error
		code    string
		restore func() // before the good value is put back
	}{
		{"value changed to junk", func() { put(`{"signing_keys":`) }, secretcache.ErrMalformed, "MalformedSecret", nil},
		{"empty key list", func() { put(`{"signing_keys":[]}`) }, secretcache.ErrMalformed, "MalformedSecret", nil},
		{"secret scheduled for deletion", func() {
			if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("signing"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
				t.Fatal(err)
			}
		}, secretcache.ErrUnavailable, "InvalidRequestException", func() {
			if _, err := sm.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("signing")}); err != nil {
				t.Fatal(err)
			}
		}},
		{"secret deleted", func() {
			if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("signing"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
				t.Fatal(err)
			}
		}, secretcache.ErrUnavailable, "ResourceNotFoundException", nil},
	}
	for _, step := range steps {
		step.revoke()
		time.Sleep(minRefresh) // past the minimum refresh interval, within the TTL (secretTTL)
		keys, err := kc.Refresh(ctx)
		failed := time.Now() // after the failed fetch began
		if !errors.Is(err, step.wantErr) || keys != nil {
			t.Fatalf("%s: Refresh = %v, %v; want no keys and %v", step.name, keys, err, step.wantErr)
		}
		if keys, err := kc.Get(ctx); err == nil {
			t.Fatalf("%s: Get after the failed refresh = %v; want an error", step.name, keys)
		}
		if !strings.Contains(kc.logs.String(), `"aws_error":"`+step.code+`"`) {
			t.Errorf("%s: no WARN with aws_error %s in %s", step.name, step.code, kc.logs.String())
		}
		// Fixed: served again once the failure is forgotten.
		if step.restore != nil {
			step.restore()
		}
		put(`{"signing_keys":["new"]}`)
		time.Sleep(time.Until(failed.Add(failureTTL)))
		if keys, err := kc.Get(ctx); err != nil || len(keys) != 1 || keys[0] != "new" {
			t.Fatalf("%s: after the fix Get = %v, %v", step.name, keys, err)
		}
	}
	if got := kc.metrics.Get(secretcache.MetricRefreshFailed); got != float64(len(steps)) {
		t.Errorf("%s = %v, want %d", secretcache.MetricRefreshFailed, got, len(steps))
	}
	if strings.Contains(kc.logs.String(), `"old"`) || strings.Contains(kc.logs.String(), `"new"`) {
		t.Errorf("a key reached the log: %s", kc.logs.String())
	}
}
