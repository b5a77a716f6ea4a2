// Package samples says what each sample API Gateway event in events/ must
// produce when it goes through its function: the one table that both the
// Docker-free event test (internal/dev/stack) and `make sam-invoke` (the
// real `sam local invoke`, cmd/saminvoke) check against.
package samples

// Dir is the folder of the samples, relative to the repository root.
const Dir = "events"

// Outcome is what one sample must produce through its function: the HTTP
// status of the response and a fragment of its body.
type Outcome struct {
	// Function is the logical id of the function in template.yaml.
	Function string
	// File is the sample's file name in Dir.
	File string
	// Status is the response's statusCode.
	Status int
	// Contains is a fragment the response's body must contain.
	Contains string
}

// Outcomes lists every file of events/, in the order they must run against
// one fresh local system: the webhook's base64 sample carries the same
// ticket as the plain one, so it is a duplicate after it.
var Outcomes = []Outcome{
	{"CreateTicketFunction", "create-ticket-minimal.json", 201, `"ticket_id":"LOC-`},
	{"CreateTicketFunction", "create-ticket-full.json", 201, `"ticket_id":"LOC-`},
	{"CreateTicketFunction", "create-ticket-idempotent.json", 201, `"ticket_id":"LOC-`},
	{"CreateTicketFunction", "create-ticket-missing-subject.json", 400, `"field":"subject"`},
	{"CreateTicketFunction", "create-ticket-bad-priority.json", 400, `"field":"priority"`},
	{"CreateTicketFunction", "create-ticket-bad-chat-id.json", 400, `"field":"chat_id"`},
	{"CreateTicketFunction", "create-ticket-malformed-json.json", 400, `"code":"invalid_json"`},
	{"CreateTicketFunction", "create-ticket-unknown-field.json", 400, `"code":"unknown_field"`},
	{"WebhookFunction", "webhook-ticket-created.json", 200, `"status":"stored"`},
	{"WebhookFunction", "webhook-ticket-created-base64.json", 200, `"status":"duplicate"`},
	{"WebhookFunction", "webhook-bad-signature.json", 401, `"code":"invalid_signature"`},
	{"WebhookFunction", "webhook-unsigned.json", 401, `"code":"missing_signature"`},
	{"WebhookFunction", "webhook-ticket-updated.json", 200, `"status":"ignored"`},
	{"WebhookFunction", "webhook-malformed-json.json", 400, `"code":"invalid_json"`},
}
