package secretcache_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

func newCache(g *fakeaws.SecretsManager) *secretcache.Cache[string] {
	return secretcache.New(g, "id", secretcache.ParseAPIKey,
		secretcache.WithTTL(5*time.Minute), secretcache.WithMinRefreshInterval(time.Minute))
}

// inBubble runs f in a synctest bubble, where time.Sleep moves the clock
// the cache reads without waiting.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

func TestGetFetchesOncePerTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeaws.SecretsManager{}
		g.Set("k1", nil)
		cache := newCache(g)
		for i := 0; i < 10; i++ {
			if v, err := cache.Get(context.Background()); err != nil || v != "k1" {
				t.Fatalf("Get = %q, %v", v, err)
			}
		}
		if g.Calls() != 1 {
			t.Fatalf("calls = %d, want 1", g.Calls())
		}
		g.Set("k2", nil)
		time.Sleep(5 * time.Minute)
		if v, _ := cache.Get(context.Background()); v != "k2" {
			t.Fatalf("after TTL Get = %q, want k2", v)
		}
		if g.Calls() != 2 {
			t.Fatalf("calls = %d, want 2", g.Calls())
		}
	})
}

func TestStaleValueServedWhenRefreshFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeaws.SecretsManager{}
		g.Set("k1", nil)
		cache := newCache(g)
		if _, err := cache.Get(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.Set("", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}) // a transient failure
		time.Sleep(6 * time.Minute)
		if v, err := cache.Get(context.Background()); err != nil || v != "k1" {
			t.Fatalf("Get during outage = %q, %v; want stale k1", v, err)
		}
		// Within the min refresh interval of the failed try, no new call.
		calls := g.Calls()
		time.Sleep(10 * time.Second)
		if v, _ := cache.Get(context.Background()); v != "k1" || g.Calls() != calls {
			t.Fatalf("Get = %q with %d calls, want stale k1 and no call", v, g.Calls()-calls)
		}
		// After it, the cache tries again and recovers.
		g.Set("k2", nil)
		time.Sleep(time.Minute)
		if v, _ := cache.Get(context.Background()); v != "k2" {
			t.Fatalf("Get after recovery = %q, want k2", v)
		}
	})
}

func TestColdFailures(t *testing.T) {
	tests := []struct {
		name  string
		value string
		err   error
		want  error
	}{
		{"service down", "", errors.New("connection refused"), secretcache.ErrUnavailable},
		{"blank secret", "  ", nil, secretcache.ErrMalformed},
		{"bad JSON", `{"api_key":`, nil, secretcache.ErrMalformed},
		{"JSON without key", `{"other":"x"}`, nil, secretcache.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeaws.SecretsManager{}
			g.Set(tt.value, tt.err)
			_, err := newCache(g).Get(context.Background())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNilSecretStringIsMalformed(t *testing.T) {
	g := &fakeaws.SecretsManager{} // value nil: a binary secret
	_, err := newCache(g).Get(context.Background())
	if !errors.Is(err, secretcache.ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}

func TestRefreshHonoursMinInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeaws.SecretsManager{}
		g.Set("old", nil)
		cache := newCache(g)
		if _, err := cache.Get(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.Set("new", nil)
		time.Sleep(30 * time.Second)
		if v, _ := cache.Refresh(context.Background()); v != "old" || g.Calls() != 1 {
			t.Fatalf("Refresh within interval = %q with %d calls, want old and 1", v, g.Calls())
		}
		time.Sleep(31 * time.Second)
		if v, _ := cache.Refresh(context.Background()); v != "new" || g.Calls() != 2 {
			t.Fatalf("Refresh after interval = %q with %d calls, want new and 2", v, g.Calls())
		}
		if v, _ := cache.Get(context.Background()); v != "new" || g.Calls() != 2 {
			t.Fatalf("Get after Refresh = %q with %d calls", v, g.Calls())
		}
	})
}

func TestConcurrentGetFetchesOnce(t *testing.T) {
	g := &fakeaws.SecretsManager{}
	g.Set("k", nil)
	cache := secretcache.New(g, "id", secretcache.ParseAPIKey)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Go(func() {
			if v, err := cache.Get(context.Background()); err != nil || v != "k" {
				t.Errorf("Get = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
	if g.Calls() != 1 {
		t.Fatalf("calls = %d, want 1", g.Calls())
	}
}

// hangingGetter answers only when the call's context ends.
type hangingGetter struct{}

func (hangingGetter) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A Secrets Manager that never answers is cut after 2 s, well before the
// functions' deadlines, and read as a transient failure.
func TestHangingFetchIsCutAtTheFetchTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cache := secretcache.New(hangingGetter{}, "id", secretcache.ParseAPIKey)
		start := time.Now()
		_, err := cache.Get(context.Background())
		if !errors.Is(err, secretcache.ErrUnavailable) {
			t.Errorf("err = %v, want ErrUnavailable", err)
		}
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("Get gave up after %v, want 2s", waited)
		}
	})
}
