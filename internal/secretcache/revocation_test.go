package secretcache_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

// This file covers what a failed refresh does to a cached value: a transient
// failure (Secrets Manager slow, throttling, down) keeps serving it for a
// bounded time, a permanent one (the secret deleted, access revoked, a value
// that does not parse) drops it at once.

const (
	goodKeys  = `{"signing_keys":["current","previous"]}`
	secretTTL = 5 * time.Minute
)

// keysCache is a signing-key cache on g with a JSON logger and a metrics
// recorder.
type keysCache struct {
	*secretcache.Cache[[]string]
	logs    *testkit.Buffer
	metrics *testkit.Metrics
}

// opts come last.
func newKeysCache(g secretcache.Getter, opts ...secretcache.Option) *keysCache {
	kc := &keysCache{logs: &testkit.Buffer{}, metrics: &testkit.Metrics{}}
	kc.Cache = secretcache.New(g, "signing", secretcache.ParseSigningKeys, append([]secretcache.Option{
		secretcache.WithTTL(secretTTL), secretcache.WithMinRefreshInterval(time.Minute),
		secretcache.WithLogger(slog.New(slog.NewJSONHandler(kc.logs, nil))),
		secretcache.WithMetrics(kc.metrics)}, opts...)...)
	return kc
}

// logLines decodes the cache's log lines.
func (kc *keysCache) logLines(t *testing.T) []map[string]any {
	t.Helper()
	return testkit.JSONLines(t, kc.logs.Bytes())
}

func responseError(status int, code string) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: "fake", Fault: smithy.FaultServer},
	}
}

// failure is one way a refresh can fail: an error from Secrets Manager, or
// a value read that cannot be used.
type failure struct {
	name    string
	err     error
	value   string // read when err is nil
	code    string // the aws_error logged
	wantErr error  // what Get returns once no value is served
}

var transientFailures = []failure{
	{"network error", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, "", "NetworkError", secretcache.ErrUnavailable},
	{"timeout", context.DeadlineExceeded, "", "Timeout", secretcache.ErrUnavailable},
	{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, "", "ThrottlingException", secretcache.ErrUnavailable},
	{"internal service error", &types.InternalServiceError{Message: strPtr("boom")}, "", "InternalServiceError", secretcache.ErrUnavailable},
	{"HTTP 503", responseError(503, "ServiceUnavailable"), "", "ServiceUnavailable", secretcache.ErrUnavailable},
}

var permanentFailures = []failure{
	{"secret deleted", &types.ResourceNotFoundException{Message: strPtr("Secrets Manager can't find the specified secret.")}, "", "ResourceNotFoundException", secretcache.ErrUnavailable},
	{"secret scheduled for deletion", &types.InvalidRequestException{Message: strPtr("marked for deletion")}, "", "InvalidRequestException", secretcache.ErrUnavailable},
	{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, "", "AccessDeniedException", secretcache.ErrUnavailable},
	{"decryption failure", &types.DecryptionFailure{Message: strPtr("KMS key disabled")}, "", "DecryptionFailure", secretcache.ErrUnavailable},
	{"value does not parse", nil, `{"signing_keys":`, "MalformedSecret", secretcache.ErrMalformed},
	{"empty key list", nil, `{"signing_keys":[]}`, "MalformedSecret", secretcache.ErrMalformed},
	{"blank keys only", nil, `{"signing_keys":[" ",""]}`, "MalformedSecret", secretcache.ErrMalformed},
}

func strPtr(s string) *string { return &s }

// warmCache returns a cache holding goodKeys, fetched now, whose getter now
// fails as f says.
func warmCache(t *testing.T, f failure) (*keysCache, *fakeaws.SecretsManager) {
	t.Helper()
	g := &fakeaws.SecretsManager{}
	g.Set(goodKeys, nil)
	kc := newKeysCache(g)
	if _, err := kc.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.Set(f.value, f.err)
	return kc, g
}

// checkFailureReported wants exactly one WARN line naming code and one
// count of the failure metric, and never a key in the log.
func checkFailureReported(t *testing.T, kc *keysCache, code string) {
	t.Helper()
	lines := kc.logLines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), kc.logs.String())
	}
	if lines[0]["level"] != "WARN" || lines[0]["aws_error"] != code || lines[0]["secret"] != "signing" {
		t.Errorf("log line %v, want WARN with aws_error %s and the secret's id", lines[0], code)
	}
	for _, key := range []string{"current", "previous"} {
		if strings.Contains(kc.logs.String(), key) {
			t.Errorf("the log holds the key %q", key)
		}
	}
	if got := kc.metrics.Get(secretcache.MetricRefreshFailed); got != 1 {
		t.Errorf("%s = %v, want 1", secretcache.MetricRefreshFailed, got)
	}
}

func TestTransientFailureServesTheStaleValue(t *testing.T) {
	for _, f := range transientFailures {
		t.Run(f.name, inBubble(func(t *testing.T) {
			kc, _ := warmCache(t, f)
			time.Sleep(secretTTL + time.Second)
			keys, err := kc.Get(context.Background())
			if err != nil || len(keys) != 2 {
				t.Fatalf("Get = %v, %v; want the stale keys", keys, err)
			}
			checkFailureReported(t, kc, f.code)
		}))
	}
}

func TestStaleValueIsServedForABoundedTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fetched := time.Now()
		kc, g := warmCache(t, transientFailures[0])
		ctx := context.Background()
		// Secrets Manager stays down; the cache retries once per minute.
		for time.Sleep(secretTTL); time.Now().Before(fetched.Add(secretTTL + secretcache.MaxStale)); time.Sleep(time.Minute) {
			if keys, err := kc.Get(ctx); err != nil || len(keys) != 2 {
				t.Fatalf("at %v past the TTL: Get = %v, %v; want the stale keys", time.Since(fetched.Add(secretTTL)), keys, err)
			}
		}
		// MaxStale past its TTL the value is no longer served.
		if keys, err := kc.Get(ctx); !errors.Is(err, secretcache.ErrUnavailable) {
			t.Fatalf("MaxStale past the TTL: Get = %v, %v; want ErrUnavailable", keys, err)
		}
		// Nor by a forced refresh.
		time.Sleep(time.Minute)
		if keys, err := kc.Refresh(ctx); !errors.Is(err, secretcache.ErrUnavailable) {
			t.Fatalf("Refresh = %v, %v; want ErrUnavailable", keys, err)
		}
		// Secrets Manager back: the cache recovers.
		g.Set(goodKeys, nil)
		time.Sleep(time.Minute)
		if keys, err := kc.Get(ctx); err != nil || len(keys) != 2 {
			t.Fatalf("after recovery Get = %v, %v", keys, err)
		}
	})
}

func TestPermanentFailureDropsTheValue(t *testing.T) {
	for _, f := range permanentFailures {
		t.Run(f.name, inBubble(func(t *testing.T) {
			kc, g := warmCache(t, f)
			ctx := context.Background()
			time.Sleep(secretTTL + time.Second)
			if keys, err := kc.Get(ctx); !errors.Is(err, f.wantErr) || keys != nil {
				t.Fatalf("Get = %v, %v; want no keys and %v", keys, err, f.wantErr)
			}
			checkFailureReported(t, kc, f.code)
			// Still no keys on the next request, and no new call for a
			// while: the failure is remembered.
			calls := g.Calls()
			time.Sleep(time.Second)
			if keys, err := kc.Get(ctx); err == nil {
				t.Fatalf("second Get = %v; want an error", keys)
			}
			if g.Calls() != calls {
				t.Errorf("second Get called Secrets Manager (%d calls, want %d)", g.Calls(), calls)
			}
			// The secret fixed: good again once the failure is forgotten.
			g.Set(`{"signing_keys":["fixed"]}`, nil)
			time.Sleep(secretcache.DefaultFailureTTL)
			if keys, err := kc.Get(ctx); err != nil || len(keys) != 1 || keys[0] != "fixed" {
				t.Fatalf("after the fix Get = %v, %v", keys, err)
			}
		}))
	}
}

func TestPermanentFailureOnRefreshDropsAFreshValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A refresh forced by a rejected signature, while the cached keys are
		// still within their TTL, finds the secret deleted.
		kc, _ := warmCache(t, permanentFailures[0])
		time.Sleep(2 * time.Minute)
		if keys, err := kc.Refresh(context.Background()); err == nil {
			t.Fatalf("Refresh = %v; want an error", keys)
		}
		if keys, err := kc.Get(context.Background()); err == nil {
			t.Fatalf("Get after the failed refresh = %v; want an error", keys)
		}
	})
}

func TestTransientFailureOnRefreshKeepsAFreshValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kc, _ := warmCache(t, transientFailures[2])
		time.Sleep(2 * time.Minute)
		if keys, err := kc.Refresh(context.Background()); err != nil || len(keys) != 2 {
			t.Fatalf("Refresh = %v, %v; want the cached keys", keys, err)
		}
	})
}

func TestFailureWithoutAValueIsRemembered(t *testing.T) {
	for _, f := range append(transientFailures[:1:1], permanentFailures[0]) {
		t.Run(f.name, inBubble(func(t *testing.T) {
			g := &fakeaws.SecretsManager{}
			g.Set(f.value, f.err)
			kc := newKeysCache(g)
			ctx := context.Background()
			for i := 0; i < 100; i++ {
				if _, err := kc.Get(ctx); !errors.Is(err, f.wantErr) {
					t.Fatalf("Get %d: err = %v, want %v", i, err, f.wantErr)
				}
				if _, err := kc.Refresh(ctx); !errors.Is(err, f.wantErr) {
					t.Fatalf("Refresh %d: err = %v, want %v", i, err, f.wantErr)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if g.Calls() != 1 {
				t.Errorf("Secrets Manager calls = %d, want 1", g.Calls())
			}
			time.Sleep(secretcache.DefaultFailureTTL)
			_, _ = kc.Get(ctx)
			if g.Calls() != 2 {
				t.Errorf("after DefaultFailureTTL: calls = %d, want 2", g.Calls())
			}
		}))
	}
}

func TestMaxStaleIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const maxStale = 10 * time.Minute
		g := &fakeaws.SecretsManager{}
		g.Set(goodKeys, nil)
		kc := newKeysCache(g, secretcache.WithMaxStale(maxStale))
		ctx := context.Background()
		if _, err := kc.Get(ctx); err != nil {
			t.Fatal(err)
		}
		g.Set("", transientFailures[0].err)
		time.Sleep(secretTTL + maxStale - time.Second)
		if keys, err := kc.Get(ctx); err != nil || len(keys) != 2 {
			t.Fatalf("a second before the TTL and maxStale passed: Get = %v, %v; want the stale keys", keys, err)
		}
		time.Sleep(time.Second)
		if keys, err := kc.Get(ctx); !errors.Is(err, secretcache.ErrUnavailable) {
			t.Fatalf("the TTL and maxStale passed: Get = %v, %v; want ErrUnavailable", keys, err)
		}
	})
}
