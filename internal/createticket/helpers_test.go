package createticket_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// logBuffer collects JSON log lines from concurrent requests.
type logBuffer struct {
	testkit.Buffer
}

// Lines decodes every line logged so far.
func (b *logBuffer) Lines(t testing.TB) []map[string]any {
	t.Helper()
	return testkit.JSONLines(t, b.Bytes())
}

// harness is a Handler wired as in main, against a fake Periskope and the
// given key provider and idempotency store.
type harness struct {
	up      *upstream
	logs    *logBuffer
	metrics *testkit.Metrics
	h       *createticket.Handler
}

type setup struct {
	keys        periskope.KeyProvider // default: the test key
	idempotency createticket.IdempotencyStore
	tickets     createticket.TicketCreator // default: the real client on the fake
}

const testAPIKey = "test-api-key"

func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	hs := &harness{up: newUpstream(t, testAPIKey), logs: &logBuffer{}, metrics: &testkit.Metrics{}}
	keys := s.keys
	if keys == nil {
		keys = staticKey(testAPIKey)
	}
	tickets := s.tickets
	if tickets == nil {
		tickets = newClient(t, hs.up.URL(), hs.up.dial(), keys)
	}
	hs.h = createticket.NewHandler(createticket.Deps{
		Tickets:     tickets,
		Keys:        keys,
		Idempotency: s.idempotency,
		Logger:      slog.New(slog.NewJSONHandler(hs.logs, nil)),
		Metrics:     hs.metrics,
	})
	checkNoKeysLogged(t, hs.logs)
	return hs
}

// checkNoKeysLogged fails the test at its end if any API key the tests use
// was logged.
func checkNoKeysLogged(t *testing.T, logs *logBuffer) {
	t.Cleanup(func() {
		for _, key := range []string{testAPIKey, "rotated-key"} {
			if strings.Contains(logs.String(), key) {
				t.Errorf("API key %q appears in the logs", key)
			}
		}
	})
}

// dialer makes the connections of the function's HTTP client.
type dialer = func(ctx context.Context, network, addr string) (net.Conn, error)

// newClient builds the function's client of baseURL, its connections made
// by dial (nil: real sockets).
func newClient(t testing.TB, baseURL string, dial dialer, keys periskope.KeyProvider) *periskope.Client {
	t.Helper()
	cfg := createticket.Config{BaseURL: baseURL, Phone: testPhone, APIKeySecret: "s", TicketsTable: "t"}
	c, err := createticket.NewPeriskopeClientDialing(cfg, keys, dial)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// request builds an API Gateway event for POST /tickets; headers come in
// name, value pairs.
func request(body string, headers ...string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /tickets", RawPath: "/tickets",
		Headers: map[string]string{"content-type": "application/json"},
		Body:    body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-1", RouteKey: "POST /tickets",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/tickets"},
		},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[headers[i]] = headers[i+1]
	}
	return req
}

func (hs *harness) do(t testing.TB, ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := hs.h.Handle(ctx, req)
	if err != nil {
		t.Fatalf("Handle returned a Lambda error: %v", err)
	}
	return resp
}

// apiError is the product's error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func decodeError(t testing.TB, resp events.APIGatewayV2HTTPResponse) apiError {
	t.Helper()
	var body struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error == nil {
		t.Fatalf("status %d: body is not an error body: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["content-type"] != "application/json" {
		t.Errorf("content-type = %q", resp.Headers["content-type"])
	}
	return *body.Error
}

// wantError checks status, code and field of an error answer.
func wantError(t testing.TB, resp events.APIGatewayV2HTTPResponse, status int, code, field string) apiError {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, resp.Body)
	}
	e := decodeError(t, resp)
	if e.Code != code || e.Field != field {
		t.Errorf("error = %+v, want code %q field %q", e, code, field)
	}
	if e.Message == "" {
		t.Error("error has no message")
	}
	return e
}

// errDown is Secrets Manager unreachable: a transient failure.
var errDown = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

// inBubble runs f in a synctest bubble, where time moves only when every
// goroutine of the bubble waits: retries, timeouts and TTLs take no real
// time. Periskope is on the in-memory network there (newUpstream); tests
// that need real sockets (moto) stay outside.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// staticKey is a periskope.KeyProvider with a fixed key.
type staticKey string

func (k staticKey) APIKey(context.Context) (string, error) { return string(k), nil }
