package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const localKey = "local-signing-key" // the key the samples in events/ are signed with

var now = time.Date(2025, 3, 1, 12, 0, 0, 250_000_000, time.UTC)

// fakeKeys serves keys from Get and fresh from Refresh.
type fakeKeys struct {
	mu        sync.Mutex
	keys      []string
	err       error
	fresh     []string
	freshErr  error
	gets      int
	refreshes int
}

func (f *fakeKeys) Get(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	return f.keys, f.err
}

func (f *fakeKeys) Refresh(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	if f.fresh == nil && f.freshErr == nil {
		return f.keys, f.err
	}
	return f.fresh, f.freshErr
}

// fakeStore records what it is asked to store and answers err.
type fakeStore struct {
	mu   sync.Mutex
	puts []*ticketstore.Ticket
	err  error
}

func (f *fakeStore) Put(_ context.Context, t *ticketstore.Ticket) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, t)
	return f.err
}

// rig is a handler with fakes and a captured log.
type rig struct {
	h       *webhook.Handler
	keys    *fakeKeys
	store   *fakeStore
	metrics *testkit.Metrics
	log     *bytes.Buffer
}

// newRig builds the rig's handler from its fakes; each change alters the
// dependencies first (a real key cache, no logger).
func newRig(changes ...func(*webhook.Deps)) *rig {
	r := &rig{keys: &fakeKeys{keys: []string{localKey}}, store: &fakeStore{}, metrics: &testkit.Metrics{}, log: &bytes.Buffer{}}
	d := webhook.Deps{
		Keys:    r.keys,
		Store:   r.store,
		Metrics: r.metrics,
		Logger:  slog.New(slog.NewJSONHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     func() time.Time { return now },
	}
	for _, change := range changes {
		change(&d)
	}
	r.h = webhook.NewHandler(d)
	return r
}

// withoutLog is a newRig change: no log line is written.
func withoutLog(d *webhook.Deps) { d.Logger = nil }

// reply is a decoded answer.
type reply struct {
	Status   int
	Body     map[string]any
	ErrCode  string
	ErrField string
	Raw      events.APIGatewayV2HTTPResponse
}

func (r *rig) send(t testing.TB, req events.APIGatewayV2HTTPRequest) reply {
	t.Helper()
	resp, err := r.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle returned an error (must answer HTTP): %v", err)
	}
	return decodeReply(t, resp)
}

func decodeReply(t testing.TB, resp events.APIGatewayV2HTTPResponse) reply {
	t.Helper()
	out := reply{Status: resp.StatusCode, Raw: resp}
	if ct := resp.Headers["content-type"]; ct != "application/json" {
		t.Errorf("content-type = %q", ct)
	}
	if err := json.Unmarshal([]byte(resp.Body), &out.Body); err != nil {
		t.Fatalf("answer is not a JSON object: %q", resp.Body)
	}
	if e, ok := out.Body["error"].(map[string]any); ok {
		out.ErrCode, _ = e["code"].(string)
		out.ErrField, _ = e["field"].(string)
		if msg, _ := e["message"].(string); msg == "" {
			t.Errorf("error without a message: %s", resp.Body)
		}
	}
	return out
}

// logLines returns the captured log lines, decoded.
func (r *rig) logLines(t testing.TB) []map[string]any {
	t.Helper()
	return testkit.JSONLines(t, r.log.Bytes())
}

// sample reads a committed sample event from events/.
func sample(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// signed returns the ticket.created sample with body replaced and signed with key.
func signed(t testing.TB, body []byte, key string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	req := sample(t, "webhook-ticket-created.json")
	req.Headers = cloneHeaders(req.Headers)
	req.Body = string(body)
	req.IsBase64Encoded = false
	req.Headers[periskope.SignatureHeader] = periskope.Sign(body, key)
	return req
}

func cloneHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// baseline returns the ticket.created fixture as a generic value, for table
// tests that mutate one member.
func baseline(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "dev", "samples", "bodies", "webhook", "ticket-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ticketOf(m map[string]any) map[string]any {
	return m["data"].(map[string]any)["ticket"].(map[string]any)
}
