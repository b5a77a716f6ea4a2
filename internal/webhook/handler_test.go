package webhook_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// wantSampleTicket is what the ticket.created sample must be stored as.
func wantSampleTicket(t *testing.T) *ticketstore.Ticket {
	t.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	req := sample(t, "webhook-ticket-created.json")
	if err := json.Unmarshal([]byte(req.Body), &env); err != nil {
		t.Fatal(err)
	}
	return &ticketstore.Ticket{
		OrgID:          "2997xx64-89bf-48d3-9a22-b314fxx017e5",
		TicketID:       "TICKET-12345",
		ChatID:         "919X836X025X090@Xc.us", // the chat's: the ticket names none
		Subject:        "Sample Ticket Subject",
		Status:         "open",
		Priority:       2,
		CreatedAt:      "2024-05-24T08:30:00+00:00",
		ReceivedAt:     now,
		Event:          "ticket.created",
		EventTimestamp: "2024-05-24T08:30:00.670006+00:00",
		Data:           env.Data,
		Source:         ticketstore.SourceWebhook,
	}
}

func assertStored(t *testing.T, got *ticketstore.Ticket, want *ticketstore.Ticket) {
	t.Helper()
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("data not kept byte for byte:\n got %s\nwant %s", got.Data, want.Data)
	}
	g, w := *got, *want
	g.Data, w.Data = nil, nil
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("stored:\n got %+v\nwant %+v", g, w)
	}
}

func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		file       string
		status     int
		want       map[string]any // members of the 200 answer
		errCode    string
		stored     bool
		metric     string
		keysFetch  bool // whether Secrets Manager is consulted at all
		refreshes  int
		logOutcome string
	}{
		{"webhook-ticket-created.json", 200, map[string]any{"status": "stored", "ticket_id": "TICKET-12345"}, "", true, webhook.MetricStored, true, 0, "stored"},
		{"webhook-ticket-created-base64.json", 200, map[string]any{"status": "stored", "ticket_id": "TICKET-12345"}, "", true, webhook.MetricStored, true, 0, "stored"},
		{"webhook-bad-signature.json", 401, nil, "invalid_signature", false, webhook.MetricSignatureRejected, true, 1, "invalid_signature"},
		{"webhook-unsigned.json", 401, nil, "missing_signature", false, webhook.MetricSignatureRejected, false, 0, "missing_signature"},
		{"webhook-ticket-updated.json", 200, map[string]any{"status": "ignored", "event": "ticket.updated"}, "", false, webhook.MetricIgnored, true, 0, "ignored"},
		{"webhook-malformed-json.json", 400, nil, "invalid_json", false, webhook.MetricSignedDeliveryRefused, true, 0, "invalid_json"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := newRig()
			got := r.send(t, sample(t, tc.file))
			if got.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", got.Status, tc.status, got.Raw.Body)
			}
			if got.ErrCode != tc.errCode {
				t.Errorf("error code %q, want %q", got.ErrCode, tc.errCode)
			}
			for k, v := range tc.want {
				if got.Body[k] != v {
					t.Errorf("answer %s = %v, want %v (%s)", k, got.Body[k], v, got.Raw.Body)
				}
			}
			if tc.stored {
				if len(r.store.puts) != 1 {
					t.Fatalf("%d puts, want 1", len(r.store.puts))
				}
				assertStored(t, r.store.puts[0], wantSampleTicket(t))
			} else if len(r.store.puts) != 0 {
				t.Errorf("stored %d tickets, want none", len(r.store.puts))
			}
			if (r.keys.gets > 0) != tc.keysFetch {
				t.Errorf("signing keys fetched %d times (want fetched: %v)", r.keys.gets, tc.keysFetch)
			}
			if r.keys.refreshes != tc.refreshes {
				t.Errorf("%d refreshes, want %d", r.keys.refreshes, tc.refreshes)
			}
			wantCounts := map[string]float64{}
			if tc.metric != "" {
				wantCounts[tc.metric] = 1
			}
			if fmt.Sprint(r.metrics.All()) != fmt.Sprint(wantCounts) && !(len(wantCounts) == 0 && len(r.metrics.All()) == 0) {
				t.Errorf("metrics %v, want %v", r.metrics.All(), wantCounts)
			}
			lines := r.logLines(t)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(lines))
			}
			if lines[0]["outcome"] != tc.logOutcome || lines[0]["status"] != float64(tc.status) {
				t.Errorf("log line %v", lines[0])
			}
		})
	}
}

func TestStoreOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		status   int
		answer   string // status member or error code
		metric   string
		awsError string
	}{
		{"duplicate", ticketstore.ErrDuplicate, 200, "duplicate", webhook.MetricDuplicate, ""},
		{"throttled", fmt.Errorf("%w: %w", ticketstore.ErrUnavailable, &types.ProvisionedThroughputExceededException{Message: aws.String("Requested resource not found")}), 503, "dependency_unavailable", "", "ProvisionedThroughputExceededException"},
		{"validation", fmt.Errorf("%w: %w", ticketstore.ErrRejected, &smithy.GenericAPIError{Code: "ValidationException", Message: "Requested resource not found: chat_id \"919...\""}), 500, "store_rejected", webhook.MetricStoreRejected, "ValidationException"},
		{"table missing", fmt.Errorf("%w: %w", ticketstore.ErrUnavailable, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}), 503, "dependency_unavailable", "", "ResourceNotFoundException"},
		{"access denied", fmt.Errorf("%w: %w", ticketstore.ErrRejected, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "Requested resource not found"}), 500, "store_rejected", webhook.MetricStoreRejected, "AccessDeniedException"},
		{"timeout", fmt.Errorf("%w: %w", ticketstore.ErrUnavailable, fmt.Errorf("send: %w", context.DeadlineExceeded)), 503, "dependency_unavailable", "", "Timeout"},
		{"too large", fmt.Errorf("%w: item of 400001 bytes", ticketstore.ErrTooLarge), 413, "body_too_large", webhook.MetricSignedDeliveryRefused, ""},
		{"invalid", fmt.Errorf("%w: no org id", ticketstore.ErrInvalidTicket), 400, "invalid_ticket", webhook.MetricSignedDeliveryRefused, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig()
			r.store.err = tc.err
			got := r.send(t, sample(t, "webhook-ticket-created.json"))
			if got.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", got.Status, tc.status, got.Raw.Body)
			}
			if answer := got.ErrCode; answer != tc.answer && got.Body["status"] != tc.answer {
				t.Errorf("answer %s, want %s", got.Raw.Body, tc.answer)
			}
			if tc.metric != "" && r.metrics.Get(tc.metric) != 1 {
				t.Errorf("metrics %v, want %s", r.metrics.All(), tc.metric)
			}
			line := r.logLines(t)[0]
			if tc.status >= 500 {
				if line["dependency"] != "dynamodb" || line["aws_error"] != tc.awsError || line["level"] != "ERROR" {
					t.Errorf("%d log line does not say what failed: %v", tc.status, line)
				}
				if strings.Contains(r.log.String(), "Requested resource not found") {
					t.Errorf("log holds the AWS error message: %s", r.log.String())
				}
			}
		})
	}
}

func TestSecretsManagerDown(t *testing.T) {
	r := newRig()
	r.keys.keys, r.keys.err = nil, fmt.Errorf("%w: %w", secretcache.ErrUnavailable, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")})
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 503 || got.ErrCode != "dependency_unavailable" {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	if len(r.store.puts) != 0 {
		t.Error("stored without verifying")
	}
	line := r.logLines(t)[0]
	if line["dependency"] != "secretsmanager" || line["aws_error"] != "ResourceNotFoundException" {
		t.Errorf("log line %v", line)
	}
}

func TestMalformedSecretIs503(t *testing.T) {
	r := newRig()
	r.keys.keys, r.keys.err = nil, fmt.Errorf("%w: no signing key in secret", secretcache.ErrMalformed)
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 503 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	if line := r.logLines(t)[0]; line["aws_error"] != "MalformedSecret" {
		t.Errorf("log line %v", line)
	}
}

func TestRotation(t *testing.T) {
	body := mustJSON(t, baseline(t))
	t.Run("new key picked up by refresh", func(t *testing.T) {
		r := newRig()
		r.keys.keys, r.keys.fresh = []string{"old"}, []string{"new", "old"}
		got := r.send(t, signed(t, body, "new"))
		if got.Status != 200 || r.keys.refreshes != 1 {
			t.Fatalf("answer %d %s after %d refreshes", got.Status, got.Raw.Body, r.keys.refreshes)
		}
	})
	t.Run("old key still accepted during rotation", func(t *testing.T) {
		r := newRig()
		r.keys.keys = []string{"new", "old"}
		if got := r.send(t, signed(t, body, "old")); got.Status != 200 || r.keys.refreshes != 0 {
			t.Fatalf("answer %d, %d refreshes", got.Status, r.keys.refreshes)
		}
	})
	t.Run("refresh failing is 503: no key is left to trust", func(t *testing.T) {
		r := newRig()
		r.keys.keys, r.keys.freshErr = []string{"old"}, fmt.Errorf("%w: %w", secretcache.ErrUnavailable, &smtypes.ResourceNotFoundException{Message: aws.String("gone")})
		if got := r.send(t, signed(t, body, "new")); got.Status != 503 || got.ErrCode != "dependency_unavailable" {
			t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
		}
	})
	t.Run("refresh bringing no new key verifies nothing again", func(t *testing.T) {
		r := newRig()
		r.keys.keys, r.keys.fresh = []string{"old"}, []string{"old"}
		if got := r.send(t, signed(t, body, "new")); got.Status != 401 || r.keys.refreshes != 1 {
			t.Fatalf("answer %d after %d refreshes", got.Status, r.keys.refreshes)
		}
	})
}

func TestSignatureHeaderAnyCase(t *testing.T) {
	req := sample(t, "webhook-ticket-created.json")
	req.Headers = cloneHeaders(req.Headers)
	sig := req.Headers[periskope.SignatureHeader]
	delete(req.Headers, periskope.SignatureHeader)
	req.Headers["X-Periskope-Signature"] = sig
	if got := newRig().send(t, req); got.Status != 200 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
}

func TestSignatureIsOverTheRawBytes(t *testing.T) {
	req := sample(t, "webhook-ticket-created.json")
	// The same JSON, re-indented: the signature no longer matches.
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(req.Body), "", " "); err != nil {
		t.Fatal(err)
	}
	req.Body = buf.String()
	if got := newRig().send(t, req); got.Status != 401 {
		t.Fatalf("re-encoded body accepted: %d", got.Status)
	}
}

func TestBodyLimit(t *testing.T) {
	big := []byte(`{"event":"ticket.created","pad":"` + strings.Repeat("x", 4096) + `"}`)
	plain := signed(t, big, localKey)
	encoded := signed(t, big, localKey)
	encoded.Body, encoded.IsBase64Encoded = base64.StdEncoding.EncodeToString(big), true
	for name, req := range map[string]events.APIGatewayV2HTTPRequest{"plain": plain, "base64": encoded} {
		t.Run(name, func(t *testing.T) {
			r := newRig(func(d *webhook.Deps) { d.MaxBodyBytes = 4096 })
			got := r.send(t, req)
			if got.Status != 413 || got.ErrCode != "body_too_large" {
				t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
			}
			if r.keys.gets != 0 || len(r.store.puts) != 0 {
				t.Error("an oversized body reached the keys or the store")
			}
			r = newRig(func(d *webhook.Deps) { d.MaxBodyBytes = len(big) })
			if got := r.send(t, req); got.Status == 413 {
				t.Errorf("a body of exactly the limit refused")
			}
		})
	}
}

func TestDefaultBodyLimit(t *testing.T) {
	// Just over the default: refused. The default itself must store (see
	// TestMotoLargestBodyStores).
	body := []byte(`{"event":"ticket.created","pad":"` + strings.Repeat("x", webhook.DefaultMaxBodyBytes) + `"}`)
	if got := newRig().send(t, signed(t, body, localKey)); got.Status != 413 {
		t.Fatalf("answer %d", got.Status)
	}
}

// A limit that is not positive is unset, as zero is: the default applies.
func TestNonPositiveLimitIsTheDefault(t *testing.T) {
	body := []byte(`{"event":"ticket.created","pad":"` + strings.Repeat("x", webhook.DefaultMaxBodyBytes) + `"}`)
	r := newRig(func(d *webhook.Deps) { d.MaxBodyBytes = -1 })
	if got := r.send(t, signed(t, body, localKey)); got.Status != 413 {
		t.Fatalf("over the default limit: answer %d, want 413", got.Status)
	}
	if got := r.send(t, signed(t, []byte(`{"event":"ticket.updated"}`), localKey)); got.Status != 200 {
		t.Fatalf("a small event: answer %d %s, want 200", got.Status, got.Raw.Body)
	}
}

// lockedStore is a linearizable in-memory store, as DynamoDB is for
// conditional writes to one item.
type lockedStore struct {
	mu    sync.Mutex
	items map[string]*ticketstore.Ticket
}

func (s *lockedStore) Put(_ context.Context, t *ticketstore.Ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := ticketstore.Key(t.OrgID, t.TicketID)
	if _, ok := s.items[key]; ok {
		return ticketstore.ErrDuplicate
	}
	s.items[key] = t
	return nil
}

// deliverConcurrently sends req n times at once and counts the answers by
// their status member ("error: <body>" for an answer that is not a 200).
func deliverConcurrently(h *webhook.Handler, req events.APIGatewayV2HTTPRequest, n int) map[string]int {
	statuses := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := h.Handle(context.Background(), req)
			if err != nil || resp.StatusCode != 200 {
				statuses <- "error: " + resp.Body
				return
			}
			var body struct{ Status string }
			_ = json.Unmarshal([]byte(resp.Body), &body)
			statuses <- body.Status
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[string]int{}
	for s := range statuses {
		counts[s]++
	}
	return counts
}

func TestConcurrentDeliveriesAnswerOnce(t *testing.T) {
	store := &lockedStore{items: map[string]*ticketstore.Ticket{}}
	r := newRig(func(d *webhook.Deps) { d.Store = store })
	const n = 50
	counts := deliverConcurrently(r.h, sample(t, "webhook-ticket-created.json"), n)
	if counts["stored"] != 1 || counts["duplicate"] != n-1 || len(store.items) != 1 {
		t.Errorf("answers %v and %d items, want 1 stored, %d duplicate, 1 item", counts, len(store.items), n-1)
	}
	if r.metrics.Get(webhook.MetricStored) != 1 || r.metrics.Get(webhook.MetricDuplicate) != n-1 {
		t.Errorf("metrics %v", r.metrics.All())
	}
}
