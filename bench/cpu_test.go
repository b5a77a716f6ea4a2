// Package bench holds the Go micro-benchmarks of `make bench` (this file)
// and, in its subdirectories, the programs that measure the built
// bootstraps: size, coldstart, warm and load.
package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const signingKey = "local-signing-key"

// staticKeys serves one signing key from memory: a warm container's cache.
type staticKeys []string

func (k staticKeys) Get(context.Context) ([]string, error)     { return k, nil }
func (k staticKeys) Refresh(context.Context) ([]string, error) { return k, nil }

// discardDB keeps the last item without I/O, so that the real ticketstore
// builds and checks it as for DynamoDB.
type discardDB struct {
	last map[string]types.AttributeValue
}

func (d *discardDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.last = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

// cpuPath is the webhook handler with everything but the CPU work taken
// away: keys already cached, a DynamoDB that answers at once.
func cpuPath(logger *slog.Logger) (*webhook.Handler, *discardDB, events.APIGatewayV2HTTPRequest) {
	db := &discardDB{}
	h := webhook.NewHandler(webhook.Deps{
		Keys:   staticKeys{signingKey},
		Store:  ticketstore.New(db, "periskope-tickets"),
		Logger: logger,
		Now:    func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) },
	})
	body := benchkit.TicketCreatedFixture
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /webhooks/periskope",
		RawPath:  "/webhooks/periskope",
		Headers: map[string]string{
			"content-type":            "application/json",
			periskope.SignatureHeader: periskope.Sign(body, signingKey),
		},
		Body: string(body),
	}
	req.RequestContext.HTTP.Method = "POST"
	req.RequestContext.RequestID = "bench"
	return h, db, req
}

// TestCPUPathStoresTheTicket proves the benchmark measures the success path:
// a verified, parsed ticket.created turned into the item DynamoDB would get.
func TestCPUPathStoresTheTicket(t *testing.T) {
	if len(benchkit.TicketCreatedFixture) < 4000 {
		t.Fatalf("fixture is %d bytes, want a realistic ~4 KB delivery", len(benchkit.TicketCreatedFixture))
	}
	h, db, req := cpuPath(nil)
	resp, err := h.Handle(context.Background(), req)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"stored"`) {
		t.Fatalf("Handle = %d %s, %v; want 200 stored", resp.StatusCode, resp.Body, err)
	}
	pk, _ := db.last["pk"].(*types.AttributeValueMemberS)
	if pk == nil || pk.Value != "TICKET#2997xx64-89bf-48d3-9a22-b314fxx017e5#TICKET-12345" {
		t.Fatalf("stored item key = %v", db.last["pk"])
	}
	data, _ := db.last["data"].(*types.AttributeValueMemberS)
	if data == nil || !json.Valid([]byte(data.Value)) {
		t.Fatal("stored item has no valid data attribute")
	}
	// The floor must accept the same bytes, or the ratio compares nothing.
	sig, err := hex.DecodeString(periskope.Sign(benchkit.TicketCreatedFixture, signingKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := floor(benchkit.TicketCreatedFixture, sig); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWebhookCPUPath is the webhook's whole work on a 4 KB
// ticket.created apart from I/O: body, signature check, envelope and ticket
// parsing, validation and the DynamoDB item.
func BenchmarkWebhookCPUPath(b *testing.B) { benchmarkCPUPath(b, nil) }

// BenchmarkWebhookCPUPathWithLog adds the JSON request log line the
// deployed function writes (to io.Discard): informative, not the goal.
func BenchmarkWebhookCPUPathWithLog(b *testing.B) {
	benchmarkCPUPath(b, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

func benchmarkCPUPath(b *testing.B, logger *slog.Logger) {
	h, _, req := cpuPath(logger)
	ctx := context.Background()
	b.SetBytes(int64(len(req.Body)))
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := h.Handle(ctx, req)
		if resp.StatusCode != 200 {
			b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
}

// floor is the least any verifying webhook must do with the same bytes:
// HMAC-SHA256 of the body compared in constant time, and json.Unmarshal of
// the body into any.
func floor(body, want []byte) error {
	m := hmac.New(sha256.New, []byte(signingKey))
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), want) {
		return periskope.ErrInvalidSignature
	}
	var v any
	return json.Unmarshal(body, &v)
}

// BenchmarkFloorHMACUnmarshal is the floor of BenchmarkWebhookCPUPath. The
// signature arrives as hex, so the floor decodes it too.
func BenchmarkFloorHMACUnmarshal(b *testing.B) {
	body := benchkit.TicketCreatedFixture
	sig := periskope.Sign(body, signingKey)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		want, err := hex.DecodeString(sig)
		if err != nil {
			b.Fatal(err)
		}
		if err := floor(body, want); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookSteps splits the CPU path into its steps, to show where
// its time goes (informative).
func BenchmarkWebhookSteps(b *testing.B) {
	body := benchkit.TicketCreatedFixture
	sig := periskope.Sign(body, signingKey)
	ev, err := periskope.ParseEvent(body)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := periskope.Verify(body, sig, signingKey); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseEvent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := periskope.ParseEvent(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TicketInfo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ev.TicketInfo(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UnmarshalAny", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
