package createticket_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const minimalBody = `{"chat_id": "919876543210@c.us", "subject": "Printer on fire"}`

func jsonEqual(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %s", want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON = %s\nwant   %s", got, want)
	}
}

func TestCreateMinimal(t *testing.T) {
	hs := newHarness(t, setup{})
	resp := hs.do(t, context.Background(), request(minimalBody))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	answers := hs.up.Answers()
	if len(answers) != 1 || resp.Body != string(answers[0]) {
		t.Errorf("body is not Periskope's answer byte for byte:\n%s\nwant\n%s", resp.Body, answers)
	}
	if resp.Headers["content-type"] != "application/json" {
		t.Errorf("content-type = %q", resp.Headers["content-type"])
	}
	if _, replayed := resp.Headers[createticket.ReplayedHeader]; replayed {
		t.Error("a fresh create is marked replayed")
	}
	jsonEqual(t, hs.up.Bodies()[0], `{"chat_id":"919876543210@c.us","subject":"Printer on fire"}`)
	if got := hs.metrics.Get("Created"); got != 1 {
		t.Errorf("Created = %v, want 1", got)
	}
	if got := hs.metrics.Get(createticket.MetricUpstreamAttempts); got != 1 {
		t.Errorf("UpstreamAttempts = %v, want 1", got)
	}

	lines := hs.logs.Lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1", len(lines))
	}
	line := lines[0]
	want := map[string]any{"msg": "create-ticket request", "outcome": "created", "status": 201.0, "ticket_id": "BKT-001",
		"periskope_trace_id": "trace-001", "upstream_attempts": 1.0, "api_request_id": "req-1", "idempotency": "none"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["latency_ms"]; !ok {
		t.Error("log line has no latency_ms")
	}
}

func TestCreateEveryField(t *testing.T) {
	hs := newHarness(t, setup{})
	body := `{"chat_id": "919876543210", "subject": "  Printer on fire ", "priority": 3, "status": "InProgress",
		"due_date": "2025-04-20", "assignee": "agent@example.com", "labels": ["billing", "urgent"],
		"quoted_message_id": "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B"}`
	resp := hs.do(t, context.Background(), request(body))
	if resp.StatusCode != 201 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
	jsonEqual(t, hs.up.Bodies()[0], `{"chat_id":"919876543210@c.us","subject":"Printer on fire","priority":"3","status":"inprogress",
		"due_date":"2025-04-20","assignee":"agent@example.com","labels":"billing, urgent","quoted_message_id":"3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B"}`)
}

func TestCreateBase64Body(t *testing.T) {
	hs := newHarness(t, setup{})
	req := request(base64.StdEncoding.EncodeToString([]byte(minimalBody)))
	req.IsBase64Encoded = true
	if resp := hs.do(t, context.Background(), req); resp.StatusCode != 201 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, resp.Body)
	}
}

// countingKeys is a static key that counts reads.
type countingKeys struct {
	mu    sync.Mutex
	reads int
}

func (k *countingKeys) APIKey(context.Context) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reads++
	return testAPIKey, nil
}

func TestInvalidRequestsNeverLeaveTheFunction(t *testing.T) {
	keys := &countingKeys{}
	store := &fakeStore{}
	hs := newHarness(t, setup{keys: keys, idempotency: store})
	badBase64 := request("!!!not base64")
	badBase64.IsBase64Encoded = true
	tooLarge := `{"chat_id": "919876543210@c.us", "subject": "x", "labels": "` + strings.Repeat("a", createticket.MaxBodyBytes) + `"}`
	cases := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		status int
		code   string
		field  string
	}{
		{"missing subject", request(`{"chat_id": "919876543210@c.us"}`), 400, "missing_field", "subject"},
		{"bad priority", request(`{"chat_id": "919876543210@c.us", "subject": "x", "priority": 7}`), 400, "invalid_field", "priority"},
		{"bad chat_id", request(`{"chat_id": "+91 98765 43210", "subject": "x"}`), 400, "invalid_field", "chat_id"},
		{"malformed JSON", request(`{"chat_id": "919876543210@c.us", "subject": `), 400, "invalid_json", ""},
		{"not an object", request(`["919876543210@c.us"]`), 400, "invalid_body", ""},
		{"unknown field", request(`{"chat_id": "919876543210@c.us", "subject": "x", "prio": 1}`), 400, "unknown_field", "prio"},
		{"too large", request(tooLarge), 413, "body_too_large", ""},
		{"bad base64", badBase64, 400, "invalid_body", ""},
		{"idempotency key too long", request(minimalBody, "idempotency-key", strings.Repeat("k", 256)), 400, "invalid_idempotency_key", "Idempotency-Key"},
		{"idempotency key not printable", request(minimalBody, "idempotency-key", "k\x01y"), 400, "invalid_idempotency_key", "Idempotency-Key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, hs.do(t, context.Background(), c.req), c.status, c.code, c.field)
		})
	}
	if hs.up.Calls() != 0 || keys.reads != 0 || len(store.calls) != 0 {
		t.Errorf("invalid requests made %d Periskope calls, %d key reads, %d idempotency claims; want none", hs.up.Calls(), keys.reads, len(store.calls))
	}
	// A refused request is the caller's fault: a WARN line with the code
	// answered, under the keys the webhook's lines use.
	for _, line := range hs.logs.Lines(t) {
		if line["status"].(float64) < 400 || line["outcome"] == "" || line["error_code"] != line["outcome"] || line["level"] != "WARN" {
			t.Errorf("log line %v", line)
		}
	}
}

func TestUpstreamAnswers(t *testing.T) {
	cases := []struct {
		name       string
		reply      reply
		status     int
		code       string
		calls      int
		retryAfter string
		message    string
		upstream   float64 // UpstreamError count
		traceID    string
	}{
		{"validation error", answer(400, `{"code":"bad_request","message":"chat 919876543210@c.us not found"}`), 400, "upstream_rejected", 1, "", "chat 919876543210@c.us not found", 0, "trace-err"},
		{"not found", answer(404, `{"message":"no such chat"}`), 400, "upstream_rejected", 1, "", "no such chat", 0, "trace-err"},
		{"rate limited, retried until the client gives up", answer(429, `{"message":"Too many requests"}`, "Retry-After", "2"), 429, "rate_limited", 3, "2", "", 1, "trace-err"},
		{"rate limited for longer than worth waiting", answer(429, `{"message":"Too many requests"}`, "Retry-After", "60"), 429, "rate_limited", 1, "60", "", 1, "trace-err"},
		{"rate limited without a reset", answer(429, `{}`), 429, "rate_limited", 3, "1", "", 1, "trace-err"},
		{"server error is not retried", answer(500, `{"message":"boom"}`), 502, "upstream_error", 1, "", "", 1, "trace-err"},
		{"bad gateway", answer(503, `upstream down`), 502, "upstream_error", 1, "", "", 1, "trace-err"},
		{"unreadable success", answer(200, `<html>`), 502, "upstream_error", 1, "", "", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, inBubble(func(t *testing.T) {
			hs := newHarness(t, setup{})
			hs.up.Answer(c.reply)
			resp := hs.do(t, context.Background(), request(minimalBody))
			e := wantError(t, resp, c.status, c.code, "")
			if got := hs.up.Calls(); got != c.calls {
				t.Errorf("Periskope calls = %d, want %d", got, c.calls)
			}
			if got := resp.Headers["retry-after"]; got != c.retryAfter {
				t.Errorf("retry-after = %q, want %q", got, c.retryAfter)
			}
			if !strings.Contains(e.Message, c.message) {
				t.Errorf("message %q lacks %q", e.Message, c.message)
			}
			if got := hs.metrics.Get("UpstreamError"); got != c.upstream {
				t.Errorf("UpstreamError = %v, want %v", got, c.upstream)
			}
			if got := hs.metrics.Get(createticket.MetricUpstreamAttempts); got != float64(c.calls) {
				t.Errorf("UpstreamAttempts = %v, want one per Periskope call, %d", got, c.calls)
			}
			line := hs.logs.Lines(t)[0]
			if line["outcome"] != c.code || line["upstream_attempts"] != float64(c.calls) || line["periskope_trace_id"] != nilIfEmpty(c.traceID) {
				t.Errorf("log line %v", line)
			}
		}))
	}
}

func TestUpstreamRefused(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	hs := newHarness(t, setup{tickets: newClient(t, url, nil, staticKey(testAPIKey))})
	resp := hs.do(t, context.Background(), request(minimalBody))
	e := wantError(t, resp, 502, "upstream_error", "")
	if !strings.Contains(e.Message, "nothing was created") {
		t.Errorf("message %q does not say nothing was created", e.Message)
	}
	if line := hs.logs.Lines(t)[0]; line["upstream_attempts"] != 3.0 {
		t.Errorf("upstream_attempts = %v, want 3 (refused connections are retried)", line["upstream_attempts"])
	}
}

func TestUpstreamTimeout(t *testing.T) { synctest.Test(t, testUpstreamTimeout) }

func testUpstreamTimeout(t *testing.T) {
	hs := newHarness(t, setup{})
	release := make(chan struct{})
	defer close(release)
	hs.up.Answer(hang(release))
	ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve+300*time.Millisecond)
	defer cancel()
	resp := hs.do(t, ctx, request(minimalBody))
	e := wantError(t, resp, 504, "upstream_timeout", "")
	if !strings.Contains(e.Message, "may or may not") {
		t.Errorf("message %q does not say the outcome is unknown", e.Message)
	}
	if hs.up.Calls() != 1 {
		t.Errorf("Periskope calls = %d, want 1 (a create is never retried after a timeout)", hs.up.Calls())
	}
	if hs.metrics.Get("UpstreamError") != 1 {
		t.Error("timeout not counted as UpstreamError")
	}
}

// deadlineCatcher is a TicketCreator that records the deadline it was given.
type deadlineCatcher struct {
	deadline time.Time
	ok       bool
}

func (d *deadlineCatcher) CreateTicket(ctx context.Context, _ periskope.CreateTicketRequest) (*periskope.TicketInfo, error) {
	d.deadline, d.ok = ctx.Deadline()
	return &periskope.TicketInfo{Raw: []byte(`{"ticket":{"ticket_id":"T-1"}}`), Ticket: &periskope.Ticket{TicketID: "T-1"}}, nil
}

func TestUpstreamBudget(t *testing.T) {
	t.Run("from the invocation deadline", func(t *testing.T) {
		catcher := &deadlineCatcher{}
		hs := newHarness(t, setup{tickets: catcher})
		lambdaDeadline := time.Now().Add(30 * time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), lambdaDeadline)
		defer cancel()
		if resp := hs.do(t, ctx, request(minimalBody)); resp.StatusCode != 201 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if want := lambdaDeadline.Add(-createticket.AnswerReserve); !catcher.ok || !catcher.deadline.Equal(want) {
			t.Errorf("Periskope deadline = %v, want the invocation deadline minus %v (%v)", catcher.deadline, createticket.AnswerReserve, want)
		}
	})
	t.Run("default without a deadline", inBubble(func(t *testing.T) {
		catcher := &deadlineCatcher{}
		h := createticket.NewHandler(createticket.Deps{Tickets: catcher, Keys: staticKey(testAPIKey)})
		start := time.Now() // the bubble's clock stands still while nothing waits
		if resp, _ := h.Handle(context.Background(), request(minimalBody)); resp.StatusCode != 201 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if want := start.Add(createticket.DefaultUpstreamBudget); !catcher.ok || !catcher.deadline.Equal(want) {
			t.Errorf("Periskope deadline = %v, want %v", catcher.deadline, want)
		}
	}))
	t.Run("no time left", inBubble(func(t *testing.T) {
		hs := newHarness(t, setup{})
		ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve-100*time.Millisecond)
		defer cancel()
		wantNoTimeLeft(t, hs.do(t, ctx, request(minimalBody)))
		if hs.up.Calls() != 0 {
			t.Errorf("Periskope called %d times with no time left", hs.up.Calls())
		}
	}))
}

func TestAPIKeyFromSecretsManager(t *testing.T) {
	newKeys := func(sm *fakeaws.SecretsManager) *createticket.SecretKeys {
		return createticket.NewSecretKeys(sm, "periskope/api-key")
	}

	t.Run("read once per container per TTL", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager(`{"api_key": "`+testAPIKey+`"}`, nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		for range 5 {
			if resp := hs.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
		}
		if sm.Calls() != 1 {
			t.Errorf("GetSecretValue calls = %d for 5 requests, want 1", sm.Calls())
		}
		time.Sleep(secretcache.DefaultTTL + time.Second)
		hs.do(t, context.Background(), request(minimalBody))
		if sm.Calls() != 2 {
			t.Errorf("GetSecretValue calls = %d after the TTL, want 2", sm.Calls())
		}
	}))

	t.Run("rotated key is picked up after a 401", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager(testAPIKey, nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		if resp := hs.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		sm.Set("rotated-key", nil)
		hs.up.AcceptKeys("rotated-key")
		time.Sleep(createticket.KeyMinRefreshInterval + time.Second)
		resp := hs.do(t, context.Background(), request(minimalBody))
		if resp.StatusCode != 201 {
			t.Fatalf("after rotation: status %d: %s", resp.StatusCode, resp.Body)
		}
		if sm.Calls() != 2 || hs.up.Calls() != 3 {
			t.Errorf("GetSecretValue calls = %d (want 2), Periskope calls = %d (want 3: ok, 401, ok)", sm.Calls(), hs.up.Calls())
		}
		if line := hs.logs.Lines(t)[1]; line["upstream_attempts"] != 2.0 {
			t.Errorf("upstream_attempts = %v, want 2", line["upstream_attempts"])
		}
	}))

	t.Run("a key refused again after the refresh is 502", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager("revoked-key", nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		// The first request reads the key; within KeyMinRefreshInterval
		// the 401 does not cause a second read, so there is no retry.
		wantError(t, hs.do(t, context.Background(), request(minimalBody)), 502, "upstream_auth_failed", "")
		if sm.Calls() != 1 || hs.up.Calls() != 1 {
			t.Errorf("GetSecretValue calls = %d, Periskope calls = %d; want 1 and 1", sm.Calls(), hs.up.Calls())
		}
		// Later, the secret holds another key that Periskope refuses too:
		// one refresh, one retry, then 502.
		sm.Set("also-revoked", nil)
		time.Sleep(createticket.KeyMinRefreshInterval + time.Second)
		wantError(t, hs.do(t, context.Background(), request(minimalBody)), 502, "upstream_auth_failed", "")
		if sm.Calls() != 2 || hs.up.Calls() != 3 {
			t.Errorf("GetSecretValue calls = %d, Periskope calls = %d; want 2 and 3", sm.Calls(), hs.up.Calls())
		}
		if hs.metrics.Get("UpstreamError") != 2 {
			t.Errorf("UpstreamError = %v, want 2", hs.metrics.Get("UpstreamError"))
		}
	}))

	t.Run("a key refused while its secret was deleted is 503", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager("revoked-key", nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		if _, err := hs.h.Handle(context.Background(), request(minimalBody)); err != nil {
			t.Fatal(err)
		}
		// The key was revoked and its secret deleted; the cached key is
		// refused and the refresh finds no secret.
		sm.Set("", &smtypes.ResourceNotFoundException{Message: aws.String("gone")})
		time.Sleep(createticket.KeyMinRefreshInterval + time.Second)
		resp := hs.do(t, context.Background(), request(minimalBody))
		wantError(t, resp, 503, "api_key_unavailable", "")
		if resp.Headers["retry-after"] == "" {
			t.Error("no retry-after")
		}
		// This 401 is the secret's fault: an AWS dependency's 503, not one
		// more UpstreamError (the first request's 502 was one).
		if got := hs.metrics.Get(createticket.MetricUpstreamError); got != 1 {
			t.Errorf("UpstreamError = %v, want 1: the first request's alone", got)
		}
		if line := hs.logs.Lines(t)[1]; line["dependency"] != "secretsmanager" || line["upstream_attempts"] != 1.0 {
			t.Errorf("log line %v", line)
		}
	}))

	t.Run("Secrets Manager down with nothing cached is 503", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager("", errDown)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		resp := hs.do(t, context.Background(), request(minimalBody))
		wantError(t, resp, 503, "api_key_unavailable", "")
		if hs.up.Calls() != 0 || resp.Headers["retry-after"] == "" {
			t.Errorf("Periskope calls = %d, retry-after %q", hs.up.Calls(), resp.Headers["retry-after"])
		}
		// The failed dependency is named as on the webhook's lines.
		if line := hs.logs.Lines(t)[0]; !strings.Contains(line["error"].(string), "unavailable") ||
			line["dependency"] != "secretsmanager" || line["aws_error"] == nil {
			t.Errorf("log line %v", line)
		}
	}))

	t.Run("Secrets Manager down with a cached key still creates", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager(testAPIKey, nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		hs.do(t, context.Background(), request(minimalBody))
		sm.Set("", errDown)
		time.Sleep(secretcache.DefaultTTL + time.Second)
		if resp := hs.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
			t.Errorf("status %d with a stale key", resp.StatusCode)
		}
	}))

	t.Run("malformed secret is 503", inBubble(func(t *testing.T) {
		sm := fakeaws.NewSecretsManager(`{"apikey": "x"}`, nil)
		hs := newHarness(t, setup{keys: newKeys(sm)})
		wantError(t, hs.do(t, context.Background(), request(minimalBody)), 503, "api_key_unavailable", "")
	}))
}

// fakeStore is an IdempotencyStore that answers every Begin the same way.
type fakeStore struct {
	mu    sync.Mutex
	begun idempotency.Begun
	err   error
	calls []beginCall
}

type beginCall struct {
	key         idempotency.Key
	fingerprint string
	lease       time.Time
}

func (s *fakeStore) Begin(_ context.Context, key idempotency.Key, fingerprint string, lease time.Time) (idempotency.Begun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, beginCall{key, fingerprint, lease})
	return s.begun, s.err
}

func TestIdempotencyAnswers(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		status     int
		code       string
		field      string
		retryAfter string
	}{
		{"other body", idempotency.ErrConflict, 409, "idempotency_conflict", "Idempotency-Key", ""},
		{"in flight", idempotency.ErrInProgress, 409, "idempotency_in_progress", "Idempotency-Key", "1"},
		{"first request vanished", idempotency.ErrOutcomeUnknown, 409, "idempotency_outcome_unknown", "Idempotency-Key", ""},
		{"recorded answer unreadable", fmt.Errorf("%w: gzip: invalid header", idempotency.ErrAnswerUnreadable), 409, "idempotency_outcome_unknown", "Idempotency-Key", ""},
		{"DynamoDB down", fmt.Errorf("%w: connection refused", idempotency.ErrUnavailable), 503, "idempotency_unavailable", "", "1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := &fakeStore{err: c.err}
			hs := newHarness(t, setup{idempotency: store})
			resp := hs.do(t, context.Background(), request(minimalBody, "idempotency-key", "key-1"))
			wantError(t, resp, c.status, c.code, c.field)
			if got := resp.Headers["retry-after"]; got != c.retryAfter {
				t.Errorf("retry-after = %q, want %q", got, c.retryAfter)
			}
			if hs.up.Calls() != 0 {
				t.Errorf("Periskope called %d times", hs.up.Calls())
			}
			if c.status == 409 && strings.Contains(resp.Body, "nothing was created") {
				t.Errorf("a 409 says nothing was created, but the key's first request may have: %s", resp.Body)
			}
			wantDependency := map[bool]any{true: "dynamodb", false: nil}[c.status == 503]
			if line := hs.logs.Lines(t)[0]; line["dependency"] != wantDependency {
				t.Errorf("log dependency = %v, want %v", line["dependency"], wantDependency)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		stored := `{"ticket":{"ticket_id":"BKT-042"}}`
		store := &fakeStore{begun: idempotency.Begun{Replay: &idempotency.Response{Status: 201, Body: []byte(stored), TicketID: "BKT-042"}}}
		hs := newHarness(t, setup{idempotency: store})
		resp := hs.do(t, context.Background(), request(minimalBody, "idempotency-key", "key-1"))
		if resp.StatusCode != 201 || resp.Body != stored || resp.Headers["idempotent-replayed"] != "true" {
			t.Errorf("replay = %d %s %v", resp.StatusCode, resp.Body, resp.Headers)
		}
		if hs.up.Calls() != 0 || hs.metrics.Get("IdempotentReplay") != 1 || hs.metrics.Get("Created") != 0 {
			t.Errorf("calls %d, metrics %v", hs.up.Calls(), hs.metrics.All())
		}
		if line := hs.logs.Lines(t)[0]; line["outcome"] != "replayed" || line["ticket_id"] != "BKT-042" {
			t.Errorf("log line %v", line)
		}
	})

	t.Run("header name is case-insensitive and trimmed", func(t *testing.T) {
		store := &fakeStore{err: idempotency.ErrInProgress}
		hs := newHarness(t, setup{idempotency: store})
		hs.do(t, context.Background(), request(minimalBody, "Idempotency-Key", "  key-1 "))
		if len(store.calls) != 1 || store.calls[0].key != (idempotency.Key{Value: "key-1"}) {
			t.Errorf("Begin calls %+v", store.calls)
		}
	})

	t.Run("fingerprint is of the normalised request", func(t *testing.T) {
		store := &fakeStore{err: idempotency.ErrInProgress}
		hs := newHarness(t, setup{idempotency: store})
		deadline := time.Now().Add(20 * time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		for _, body := range []string{
			`{"chat_id":"919876543210","subject":"Printer on fire","priority":2,"labels":["a","b"]}`,
			`{"labels":"a,b", "priority":"2",  "subject":" Printer on fire", "chat_id":"919876543210@c.us"}`,
			`{"chat_id":"919876543210","subject":"Printer on fire","priority":3,"labels":["a","b"]}`,
		} {
			hs.do(t, ctx, request(body, "idempotency-key", "k"))
		}
		c := store.calls
		if len(c) != 3 || c[0].fingerprint != c[1].fingerprint || c[0].fingerprint == c[2].fingerprint {
			t.Errorf("fingerprints %q %q %q: want the first two equal and the third different", c[0].fingerprint, c[1].fingerprint, c[2].fingerprint)
		}
		if !c[0].lease.Equal(deadline) {
			t.Errorf("lease = %v, want the invocation deadline %v", c[0].lease, deadline)
		}
	})

	t.Run("no store configured", func(t *testing.T) {
		hs := newHarness(t, setup{})
		wantError(t, hs.do(t, context.Background(), request(minimalBody, "idempotency-key", "k")), 503, "idempotency_unavailable", "")
		if hs.up.Calls() != 0 {
			t.Error("Periskope called without a store")
		}
	})
}

// nilIfEmpty is how an absent log attribute reads from a decoded line.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
