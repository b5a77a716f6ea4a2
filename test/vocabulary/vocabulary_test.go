// Package vocabulary_test holds the two routes to one vocabulary: a fault
// both can meet is answered with the same status, code and message on both.
package vocabulary_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const signingKey = "vocabulary-signing-key"

// Neither route gets as far as its dependencies with these bodies, so
// none is given beyond what a handler needs to be built.
type signingKeys struct{}

func (signingKeys) Get(context.Context) ([]string, error)     { return []string{signingKey}, nil }
func (signingKeys) Refresh(context.Context) ([]string, error) { return []string{signingKey}, nil }

type noStore struct{}

func (noStore) Put(context.Context, *ticketstore.Ticket) error { panic("the store was reached") }

type errorBody struct {
	Error struct{ Code, Message, Field string }
}

// answer sends body to h, as API Gateway would (base64 when asked), and
// decodes the error answered.
func answer(t *testing.T, h func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), body string, base64 bool) (int, errorBody) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{Body: body, IsBase64Encoded: base64,
		Headers: map[string]string{periskope.SignatureHeader: periskope.Sign([]byte(body), signingKey)}}
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("answer %d %s is not an error body", resp.StatusCode, resp.Body)
	}
	return resp.StatusCode, e
}

func TestSameFaultSameAnswer(t *testing.T) {
	tickets := createticket.NewHandler(createticket.Deps{Keys: staticKey("k")})
	hooks := webhook.NewHandler(webhook.Deps{Keys: signingKeys{}, Store: noStore{}})
	for _, tc := range []struct {
		name, body string
		base64     bool
		status     int
		code       string
	}{
		{"empty", "", false, 400, "invalid_json"},
		{"cut short", `{"subject":`, false, 400, "invalid_json"},
		{"trailing data", `{} {}`, false, 400, "invalid_json"},
		{"an array", `[{}]`, false, 400, "invalid_body"},
		{"null", `null`, false, 400, "invalid_body"},
		{"bad base64", "!!!!", true, 400, "invalid_body"},
		{"over both limits", `{"pad":"` + strings.Repeat("x", webhook.DefaultMaxBodyBytes) + `"}`, false, 413, "body_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctStatus, ct := answer(t, tickets.Handle, tc.body, tc.base64)
			whStatus, wh := answer(t, hooks.Handle, tc.body, tc.base64)
			if ctStatus != tc.status || ct.Error.Code != tc.code {
				t.Errorf("create-ticket: %d %s, want %d %s", ctStatus, ct.Error.Code, tc.status, tc.code)
			}
			if whStatus != tc.status || wh.Error.Code != tc.code {
				t.Errorf("webhook: %d %s, want %d %s", whStatus, wh.Error.Code, tc.status, tc.code)
			}
			// One message style: the same words where the fault and the
			// limit are the same.
			if tc.status == 400 && ct.Error.Message != wh.Error.Message {
				t.Errorf("messages differ: create-ticket %q, webhook %q", ct.Error.Message, wh.Error.Message)
			}
		})
	}
}

// staticKey is a fixed Periskope API key.
type staticKey string

func (k staticKey) APIKey(context.Context) (string, error) { return string(k), nil }
