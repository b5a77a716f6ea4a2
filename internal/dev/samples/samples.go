// Package samples is the one table of the sample API Gateway events in
// events/: the request each carries (cmd/eventgen writes the files from it,
// `make events`) and what its function must answer, which both the
// Docker-free event test (internal/dev/stack) and `make sam-invoke` (the
// real `sam local invoke`, cmd/saminvoke) check.
package samples

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// Dir is the folder of the samples, relative to the repository root.
const Dir = "events"

// BodyDir holds the samples' larger bodies, relative to the repository root.
const BodyDir = "internal/dev/samples/bodies"

// Sample is one event of Dir and what it must produce through its function.
type Sample struct {
	Function string // logical id; template.yaml gives the route
	File     string // name in Dir
	Status   int    // the response's statusCode
	Contains string // a fragment of the response's body

	// Body is the request body, or BodyFile names a JSON file of BodyDir
	// that holds it, sent compact as senders post it.
	Body, BodyFile string
	// Base64 sends the body as application/octet-stream, which API Gateway
	// passes base64-encoded; otherwise the content type is application/json.
	Base64   bool
	SignWith string            // sign the body with this key (x-periskope-signature)
	Headers  map[string]string // added as given; the event lowercases their names
}

// Not stack's constants: importing stack would link the local system into
// the product's tests, which use LargeGroup.
const (
	createTicket = "CreateTicketFunction"
	webhook      = "WebhookFunction"
	ticketInfo   = `"ticket_id":"LOC-`
)

// All lists every file of Dir, in the order they must run against one
// fresh local system: the webhook's base64 sample carries the same ticket
// as the plain one, so it is a duplicate after it.
var All = []Sample{
	// The two required fields only: Periskope's ticket info object.
	{Function: createTicket, File: "create-ticket-minimal.json", Status: 201, Contains: ticketInfo,
		Body: `{"chat_id":"919876543210@c.us","subject":"Printer on fire"}`},
	// Every field, labels as a JSON array and priority as a number.
	{Function: createTicket, File: "create-ticket-full.json", Status: 201, Contains: ticketInfo, BodyFile: "create-ticket/full.json"},
	// With an Idempotency-Key: the same 201 (idempotent-replayed: true) and
	// no second ticket when sent again.
	{Function: createTicket, File: "create-ticket-idempotent.json", Status: 201, Contains: ticketInfo,
		Body:    `{"chat_id":"919876543210","subject":"Invoice copy requested","priority":"2"}`,
		Headers: map[string]string{"Idempotency-Key": "5f0c6a9e-8a1b-4c1e-9a55-3b0f1d2e7c41"}},
	// Periskope is not called for a refused request.
	{Function: createTicket, File: "create-ticket-missing-subject.json", Status: 400, Contains: `"field":"subject"`,
		Body: `{"chat_id":"919876543210@c.us","priority":2}`},
	{Function: createTicket, File: "create-ticket-bad-priority.json", Status: 400, Contains: `"field":"priority"`,
		Body: `{"chat_id":"919876543210@c.us","subject":"Printer on fire","priority":7}`},
	{Function: createTicket, File: "create-ticket-bad-chat-id.json", Status: 400, Contains: `"field":"chat_id"`,
		Body: `{"chat_id":"+91 98765 43210","subject":"Printer on fire"}`},
	{Function: createTicket, File: "create-ticket-malformed-json.json", Status: 400, Contains: `"code":"invalid_json"`,
		Body: `{"chat_id":"919876543210@c.us","subject":"Printer on`},
	// A member Periskope's create does not have.
	{Function: createTicket, File: "create-ticket-unknown-field.json", Status: 400, Contains: `"code":"unknown_field"`,
		Body: `{"chat_id":"919876543210@c.us","subject":"Printer on fire","description":"It is really on fire"}`},
	{Function: webhook, File: "webhook-ticket-created.json", Status: 200, Contains: `"status":"stored"`,
		BodyFile: "webhook/ticket-created.json", SignWith: local.SigningKey},
	{Function: webhook, File: "webhook-ticket-created-base64.json", Status: 200, Contains: `"status":"duplicate"`,
		BodyFile: "webhook/ticket-created.json", Base64: true, SignWith: local.SigningKey},
	// Nothing is stored from a delivery that is not signed with a known key.
	{Function: webhook, File: "webhook-bad-signature.json", Status: 401, Contains: `"code":"invalid_signature"`,
		BodyFile: "webhook/ticket-created.json", SignWith: "not-the-local-signing-key"},
	{Function: webhook, File: "webhook-unsigned.json", Status: 401, Contains: `"code":"missing_signature"`,
		BodyFile: "webhook/ticket-created.json"},
	// An event the function does not store.
	{Function: webhook, File: "webhook-ticket-updated.json", Status: 200, Contains: `"status":"ignored"`,
		BodyFile: "webhook/ticket-updated.json", SignWith: local.SigningKey},
	// Correctly signed but cut short, so not JSON.
	{Function: webhook, File: "webhook-malformed-json.json", Status: 400, Contains: `"code":"invalid_json"`,
		Body: `{"event":"ticket.created","data":{"ticket":{"ticket_id":"TICKET-12345",`, SignWith: local.SigningKey},
}

// Body returns the sample's body as the function must see it after
// decoding: the bytes that are signed.
func Body(root string, s Sample) ([]byte, error) {
	if s.BodyFile == "" {
		return []byte(s.Body), nil
	}
	raw, err := os.ReadFile(filepath.Join(root, BodyDir, s.BodyFile))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = json.Compact(&buf, raw)
	return buf.Bytes(), err
}
