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
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// TestSampleEventsThroughTheRealBinaries is the Docker-free twin of
// `sam local invoke` on every sample: each events/ file goes to the real
// bootstrap under the Runtime Interface Emulator, with moto and the sandbox
// behind it, and must give its answer in samples.All (the table
// `make sam-invoke` checks the real sam local invoke against).
func TestSampleEventsThroughTheRealBinaries(t *testing.T) {
	root, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, samples.Dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in events/: %v", err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(samples.All, func(s samples.Sample) bool { return s.File == filepath.Base(f) }) {
			t.Errorf("events/%s has no expected outcome in samples.All: add one", filepath.Base(f))
		}
	}

	st := startStack(t, stack.Config{NoGateway: true, NoWebhooks: true})

	invoke := func(s samples.Sample) events.APIGatewayV2HTTPResponse {
		t.Helper()
		payload, err := os.ReadFile(filepath.Join(root, samples.Dir, s.File))
		if err != nil {
			t.Fatal(err)
		}
		fn, ok := st.Function(s.Function)
		if !ok {
			t.Fatalf("no function %s", s.Function)
		}
		res, err := fn.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("%s: %v", s.File, err)
		}
		if res.Error != nil {
			t.Fatalf("%s: the function failed (%s): a handler must answer API errors as HTTP responses", s.File, res.Payload)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			t.Fatalf("%s: response %s: %v", s.File, res.Payload, err)
		}
		return resp
	}
	for _, s := range samples.All {
		resp := invoke(s)
		if resp.StatusCode != s.Status || !strings.Contains(resp.Body, s.Contains) {
			t.Errorf("%s = %d %s, want %d with %s", s.File, resp.StatusCode, resp.Body, s.Status, s.Contains)
		}
	}

	// The idempotent sample again: the first answer, replayed, no new ticket.
	replay := invoke(samples.Sample{Function: "CreateTicketFunction", File: "create-ticket-idempotent.json"})
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
