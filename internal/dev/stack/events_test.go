package stack_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// sampleOutcome is what a sample in events/ must produce through its real
// binary: the status and a fragment of the body.
type sampleOutcome struct {
	function string
	file     string
	status   int
	contains string
}

// samples lists every file of events/ in the order they run: the webhook's
// base64 sample carries the same ticket as the plain one, so it is a
// duplicate after it.
var samples = []sampleOutcome{
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
	{"WebhookFunction", "webhook-bad-signature.json", 401, `"error"`},
	{"WebhookFunction", "webhook-unsigned.json", 401, `"error"`},
	{"WebhookFunction", "webhook-ticket-updated.json", 200, `"status":"ignored"`},
	{"WebhookFunction", "webhook-malformed-json.json", 400, `"error"`},
}

// TestSampleEventsThroughTheRealBinaries is the Docker-free twin of
// `sam local invoke` on every sample: each events/ file goes to the real
// bootstrap under the Runtime Interface Emulator, with moto and the sandbox
// behind it, and must give its documented answer.
func TestSampleEventsThroughTheRealBinaries(t *testing.T) {
	root, err := stack.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in events/: %v", err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(samples, func(s sampleOutcome) bool { return s.file == filepath.Base(f) }) {
			t.Errorf("events/%s has no expected outcome in this test: add one", filepath.Base(f))
		}
	}

	logs := &testkit.Buffer{}
	st, err := stack.Start(context.Background(), stack.Config{Output: logs, BinDir: binDir, SkipBuild: true, NoGateway: true, NoWebhooks: true})
	if err != nil {
		t.Fatalf("starting the local system: %v\n%s", err, logs)
	}
	defer func() {
		_ = st.Close()
		if t.Failed() {
			t.Logf("local system output:\n%s", logs)
		}
	}()

	invoke := func(s sampleOutcome) events.APIGatewayV2HTTPResponse {
		t.Helper()
		payload, err := os.ReadFile(filepath.Join(root, "events", s.file))
		if err != nil {
			t.Fatal(err)
		}
		fn, ok := st.Function(s.function)
		if !ok {
			t.Fatalf("no function %s", s.function)
		}
		res, err := fn.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if res.Error != nil {
			t.Fatalf("%s: the function failed (%s): a handler must answer API errors as HTTP responses", s.file, res.Payload)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			t.Fatalf("%s: response %s: %v", s.file, res.Payload, err)
		}
		return resp
	}
	for _, s := range samples {
		resp := invoke(s)
		if resp.StatusCode != s.status || !strings.Contains(resp.Body, s.contains) {
			t.Errorf("%s = %d %s, want %d with %s", s.file, resp.StatusCode, resp.Body, s.status, s.contains)
		}
	}

	// The idempotent sample again: the first answer, replayed, no new ticket.
	replay := invoke(sampleOutcome{function: "CreateTicketFunction", file: "create-ticket-idempotent.json"})
	if replay.StatusCode != 201 || replay.Headers[createticket.ReplayedHeader] != "true" {
		t.Errorf("idempotent sample sent twice = %d %v, want a replayed 201", replay.StatusCode, replay.Headers)
	}
	if created := st.Sandbox.Stats().TicketsCreated; created != 3 {
		t.Errorf("sandbox created %d tickets, want 3 (minimal, full, idempotent once)", created)
	}
	// The webhook samples stored exactly the one signed ticket.created (the
	// sandbox sends no webhooks here).
	if keys := ticketKeys(t, dynamodb.NewFromConfig(st.Moto.Config())); len(keys) != 1 {
		t.Errorf("tickets stored from the webhook samples = %v, want exactly one", keys)
	}
}
