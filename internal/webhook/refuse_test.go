package webhook_test

import (
	"bytes"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// The webhook route is public: these tests bound what junk costs it before
// it is refused, in secret reads counted.

// junkDelivery is a body of size bytes with the given signature candidates.
func junkDelivery(t testing.TB, size int, candidates []string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	req := signed(t, bytes.Repeat([]byte("x"), size), "not-the-key")
	req.Headers[periskope.SignatureHeader] = strings.Join(candidates, ",")
	return req
}

// junkSignatures returns n distinct well-formed signatures matching no key.
func junkSignatures(n int) []string {
	sigs := make([]string, n)
	for i := range sigs {
		sigs[i] = periskope.Sign([]byte{byte(i), byte(i >> 8)}, "not-the-key")
	}
	return sigs
}

// maxSignatures is how many signature candidates the periskope package
// accepts in one delivery ("more than four are refused").
const maxSignatures = 4

func TestJunkSignaturesRefusedBeforeAnySecretRead(t *testing.T) {
	tests := []struct {
		name       string
		candidates []string
	}{
		{"155 candidates", junkSignatures(155)},
		{"maxSignatures+1 candidates", junkSignatures(maxSignatures + 1)},
		{"no candidate of 64 hex digits", []string{"sha256=" + strings.Repeat("a", 64), strings.Repeat("a", 63), "zz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig()
			got := r.send(t, junkDelivery(t, 190<<10, tt.candidates))
			if got.Status != 401 || got.ErrCode != "invalid_signature" {
				t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
			}
			if r.keys.gets != 0 || r.keys.refreshes != 0 {
				t.Errorf("%d key reads and %d refreshes, want none", r.keys.gets, r.keys.refreshes)
			}
			if r.metrics.Get(webhook.MetricSignatureRejected) != 1 {
				t.Error("rejection not counted")
			}
		})
	}
}

func TestValidSignatureAmongMaxCandidates(t *testing.T) {
	body := mustJSON(t, baseline(t))
	req := signed(t, body, localKey)
	candidates := append(junkSignatures(maxSignatures-1), req.Headers[periskope.SignatureHeader])
	req.Headers[periskope.SignatureHeader] = strings.Join(candidates, ", ")
	if got := newRig().send(t, req); got.Status != 200 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
}

func TestJunkFloodWithAFailingSecret(t *testing.T) {
	for _, err := range []error{
		&smtypes.ResourceNotFoundException{Message: new(string)},
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
	} {
		t.Run(secretcache.ErrorCode(err), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { // 100 requests 20 ms apart, in no real time
				sm := fakeaws.NewSecretsManager("", err)
				r := newRig(func(d *webhook.Deps) { d.Keys = secretcache.New(sm, "signing", secretcache.ParseSigningKeys) })
				for i := range 100 {
					got := r.send(t, junkDelivery(t, 1<<10, junkSignatures(1)))
					if got.Status != 503 {
						t.Fatalf("request %d: answer %d %s", i, got.Status, got.Raw.Body)
					}
					time.Sleep(20 * time.Millisecond)
				}
				if sm.Calls() > 2 {
					t.Errorf("%d Secrets Manager calls for 100 junk requests, want at most 2", sm.Calls())
				}
			})
		})
	}
}

// Refusals before the signature matched (junk, whoever sent it) are not
// counted as refused signed deliveries: that metric pages someone.
func TestUnsignedRefusalsAreNotSignedRefusals(t *testing.T) {
	big := []byte(`{"event":"ticket.created","pad":"` + strings.Repeat("x", 64) + `"}`)
	for name, tc := range map[string]struct {
		req   events.APIGatewayV2HTTPRequest
		limit int
	}{
		"unsigned":          {sample(t, "webhook-unsigned.json"), 0},
		"bad signature":     {sample(t, "webhook-bad-signature.json"), 0},
		"over the body cap": {signed(t, big, localKey), 16},
		"invalid base64 body": {func() events.APIGatewayV2HTTPRequest {
			r := signed(t, big, localKey)
			r.Body, r.IsBase64Encoded = "%%%", true
			return r
		}(), 0},
	} {
		r := newRig(func(d *webhook.Deps) { d.MaxBodyBytes = tc.limit })
		got := r.send(t, tc.req)
		if got.Status < 400 || got.Status >= 500 {
			t.Fatalf("%s: answer %d %s, want a 4xx", name, got.Status, got.Raw.Body)
		}
		if n := r.metrics.Get(webhook.MetricSignedDeliveryRefused); n != 0 {
			t.Errorf("%s: %s = %v", name, webhook.MetricSignedDeliveryRefused, n)
		}
	}
}
