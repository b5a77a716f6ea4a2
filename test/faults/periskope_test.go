package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// apiResponse is a function's API Gateway answer.
type apiResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// TestCreateTicketPeriskopeFaults has the sandbox answer 429 (with a near
// or a far X-RateLimit-Reset), 500, or hang, and checks create-ticket's
// documented answer, that it came within the function's deadline, and how
// many creates reached Periskope: a create is retried only where Periskope
// certainly did not process it, and an Idempotency-Key retry of an unknown
// outcome never creates again.
func TestCreateTicketPeriskopeFaults(t *testing.T) {
	moto := startMoto(t)
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var logs testkit.Buffer
	// An 8s function timeout, shorter than the template's, leaves Periskope
	// 6.5s (the handler keeps 1.5s to answer), which keeps the hang case
	// short and leaves the near-reset case seconds to spare for a cold start
	// on a loaded CI machine (with 5s it failed there once).
	const timeout = 8 * time.Second
	create := function(t, stack.CreateTicketFunction, stack.Backends{AWSEndpoint: moto.Endpoint, PeriskopeBaseURL: sb.BaseURL(), PeriskopePhone: local.Phone}, &logs, 1)
	cfg := create.Config
	cfg.Timeout = timeout
	fn, err := rie.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Close()

	calls := 0
	call := func(t *testing.T, key string) apiResponse {
		t.Helper()
		calls++
		headers := map[string]string{"Content-Type": "application/json"}
		if key != "" {
			headers["Idempotency-Key"] = key
		}
		payload := benchkit.APIEvent(create.Method, create.Path, headers, []byte(`{"chat_id":"919876543210@c.us","subject":"fault"}`))
		ctx, cancel := context.WithTimeout(context.Background(), 2*timeout)
		defer cancel()
		res, err := fn.Invoke(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		if res.Error != nil { // e.g. Sandbox.Timedout: no answer within the deadline
			t.Fatalf("the function did not answer within its deadline: %v", res.Error)
		}
		var resp apiResponse
		if err := json.Unmarshal(res.Payload, &resp); err != nil {
			t.Fatalf("answer %s: %v", res.Payload, err)
		}
		return resp
	}

	cases := []struct {
		name   string
		faults []sandbox.Fault
		key    string
		status int
		code   string
		// creates is how many creates reach Periskope; created how many
		// tickets it made (-1: not asserted, a hung create may still finish).
		creates, created int
		// replay: a retry with the same Idempotency-Key gets the same
		// answer and makes no further create.
		replay bool
		check  func(t *testing.T, resp apiResponse)
	}{
		{name: "429 with a near reset is waited for and retried", status: 201, creates: 2, created: 1,
			faults: []sandbox.Fault{{Kind: sandbox.FaultRateLimit, RetryAfterMs: 1000}}},
		{name: "429 with a far reset is answered 429 with Retry-After", status: 429, code: "rate_limited", creates: 1, created: 0,
			faults: []sandbox.Fault{{Kind: sandbox.FaultRateLimit, RetryAfterMs: 30_000}},
			check: func(t *testing.T, resp apiResponse) {
				secs, err := strconv.Atoi(headerValue(resp.Headers, "Retry-After"))
				if err != nil || secs < 25 || secs > 32 {
					t.Errorf("Retry-After = %q, want the ~30s of the reset", headerValue(resp.Headers, "Retry-After"))
				}
			}},
		{name: "500 is not retried (the create may have happened) and answers 502", key: "fault-500", status: 502, code: "upstream_error",
			creates: 1, created: 0, replay: true, faults: []sandbox.Fault{{Kind: sandbox.FaultServerError}}},
		{name: "a hang is cut at the deadline and answers 504", key: "fault-hang", status: 504, code: "upstream_timeout",
			creates: 1, created: -1, replay: true, faults: []sandbox.Fault{{Kind: sandbox.FaultHang, DelayMs: 30_000}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb.ClearFaults()
			for _, f := range c.faults {
				if err := sb.InjectFault(f); err != nil {
					t.Fatal(err)
				}
			}
			before := sb.Stats()
			resp := call(t, c.key)
			after := sb.Stats()
			if resp.StatusCode != c.status || !strings.Contains(resp.Body, c.code) {
				t.Fatalf("answer %d %s, want %d %s", resp.StatusCode, resp.Body, c.status, c.code)
			}
			if got := after.CreatesReceived - before.CreatesReceived; got != c.creates {
				t.Errorf("Periskope received %d creates, want %d", got, c.creates)
			}
			if got := after.TicketsCreated - before.TicketsCreated; c.created >= 0 && got != c.created {
				t.Errorf("Periskope created %d tickets, want %d", got, c.created)
			}
			if after.FaultsPending != 0 {
				t.Errorf("%d injected faults were not used", after.FaultsPending)
			}
			if c.check != nil {
				c.check(t, resp)
			}
			if c.replay {
				again := call(t, c.key)
				if again.StatusCode != c.status || headerValue(again.Headers, "idempotent-replayed") != "true" {
					t.Errorf("retry with the same key: %d %v %s, want the replayed %d", again.StatusCode, again.Headers, again.Body, c.status)
				}
				if got := sb.Stats().CreatesReceived - after.CreatesReceived; got != 0 {
					t.Errorf("retry with the same key sent %d more creates to Periskope, want 0", got)
				}
			}
			// The function's output reaches us a moment after its answer.
			waitFor(t, 5*time.Second, "the request log lines", func() bool {
				return strings.Count(logs.String(), `"message":"create-ticket request"`) == calls
			})
			wantAttempts := fmt.Sprintf(`"upstream_attempts":%d`, c.creates)
			if line := lastLine(logs.String(), `"message":"create-ticket request"`); !strings.Contains(line, wantAttempts) {
				t.Errorf("log line %q does not report %s", line, wantAttempts)
			}
		})
	}
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// lastLine returns the last line of log containing marker, skipping the
// replayed answers (they make no attempt).
func lastLine(log, marker string) string {
	found := ""
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, marker) && !strings.Contains(line, `"outcome":"replayed"`) {
			found = line
		}
	}
	return found
}
