package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Signature modes of the fuzz input.
const (
	fuzzUnsigned = iota
	fuzzSigned   // signed with the configured key
	fuzzGiven    // the fuzzed signature string
)

// Body encodings of the fuzz input.
const (
	fuzzPlain       = iota
	fuzzBase64      // correctly base64-encoded
	fuzzFalseBase64 // marked base64 but sent raw
)

// FuzzHandler feeds the request path arbitrary bodies, signed or not: it must
// never panic, never answer 5xx to bad input (the store always succeeds
// here), answer JSON, store only what was signed, and hand the store only
// tickets DynamoDB would accept.
func FuzzHandler(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "webhook-*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no sample events to seed from: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			f.Fatal(err)
		}
		body, apiErr := apigw.ReadBody(&req, 1<<20)
		if apiErr != nil {
			f.Fatal(apiErr)
		}
		encoding := uint8(fuzzPlain)
		if req.IsBase64Encoded {
			encoding = fuzzBase64
		}
		f.Add(body, uint8(fuzzGiven), req.Headers[periskope.SignatureHeader], encoding)
		f.Add(body, uint8(fuzzSigned), "", encoding)
	}
	f.Add([]byte(`{"event":"ticket.created","data":"{\"ticket_id\":\"x\",\"org_id\":\"o\"}"}`), uint8(fuzzSigned), "", uint8(fuzzPlain))
	f.Add([]byte(`{"event_type":"ticket.created","org_id":"o#1","data":{"ticket_id":"x"}}`), uint8(fuzzSigned), "", uint8(fuzzFalseBase64))

	f.Fuzz(func(t *testing.T, body []byte, sigMode uint8, signature string, encoding uint8) {
		const maxBody = 8 << 10 // small, so the fuzzer reaches 413 too
		r := newRig(func(d *webhook.Deps) { d.MaxBodyBytes = maxBody })
		req := events.APIGatewayV2HTTPRequest{
			RouteKey: "POST /webhooks/periskope",
			RawPath:  "/webhooks/periskope",
			Headers:  map[string]string{"content-type": "application/json"},
			Body:     string(body),
		}
		switch encoding % 3 {
		case fuzzBase64:
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		case fuzzFalseBase64:
			req.IsBase64Encoded = true
		}
		switch sigMode % 3 {
		case fuzzSigned:
			req.Headers[periskope.SignatureHeader] = periskope.Sign(body, localKey)
		case fuzzGiven:
			req.Headers[periskope.SignatureHeader] = signature
		}
		resp, err := r.h.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		switch resp.StatusCode {
		case 200, 400, 401, 413:
		default:
			t.Fatalf("status %d for bad input: %s", resp.StatusCode, resp.Body)
		}
		var answer map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &answer); err != nil {
			t.Fatalf("answer is not JSON: %q", resp.Body)
		}
		authentic := len(body) <= maxBody && periskope.Verify(body, req.Headers[periskope.SignatureHeader], localKey) == nil
		if len(r.store.puts) > 0 && !authentic {
			t.Fatalf("stored an unauthenticated body")
		}
		if resp.StatusCode == 401 && authentic && encoding%3 != fuzzFalseBase64 {
			t.Fatalf("authentic body refused: %s", resp.Body)
		}
		for _, tk := range r.store.puts {
			if err := tk.Validate(); err != nil {
				t.Fatalf("handed the store a ticket DynamoDB would refuse: %v", err)
			}
		}
		if len(r.logLines(t)) != 1 {
			t.Fatalf("not exactly one log line")
		}
	})
}
