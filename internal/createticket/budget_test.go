package createticket_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// These tests run in a synctest bubble, so their fakes are in-process (no
// sockets): time passes only while every goroutine waits, and "before the
// deadline" is exact, not a race against the machine's speed.

// slowOutcomes is a DynamoDB whose claim writes (status in_progress)
// succeed at once and whose outcome writes (Complete, Release) hang until
// their context ends, as a DynamoDB that stopped answering does.
type slowOutcomes struct{}

func (slowOutcomes) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if status, _ := in.Item["status"].(*types.AttributeValueMemberS); status == nil || status.Value != "in_progress" {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &dynamodb.PutItemOutput{}, nil
}

// hangingPeriskope is a TicketCreator that answers only when its budget
// ends, with err (nil: the context's error).
type hangingPeriskope struct{ err error }

func (p hangingPeriskope) CreateTicket(ctx context.Context, _ periskope.CreateTicketRequest) (*periskope.TicketInfo, error) {
	<-ctx.Done()
	if p.err != nil {
		return nil, p.err
	}
	return nil, ctx.Err()
}

// The worst case: Periskope answers at the end of its budget and recording
// the outcome hangs. The answer still comes before the invocation's
// deadline, the record's write being cut, not the invocation.
func TestAnswerBeforeTheDeadline(t *testing.T) {
	cases := []struct {
		name     string
		upstream error // Periskope's answer when its budget ends
		status   int
		code     string
	}{
		{"timeout: the outcome is completed", nil, http.StatusGatewayTimeout, createticket.CodeUpstreamTimeout},
		{"rate limited: the claim is released", &periskope.APIError{StatusCode: http.StatusTooManyRequests}, http.StatusTooManyRequests, createticket.CodeRateLimited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				logs := &logBuffer{}
				h := createticket.NewHandler(createticket.Deps{
					Tickets:     hangingPeriskope{err: c.upstream},
					Keys:        staticKey(testAPIKey),
					Idempotency: idempotency.New(slowOutcomes{}, "tickets"), // its call timeout is the default, longer than what is left
					Logger:      slog.New(slog.NewJSONHandler(logs, nil)),
				})
				deadline := time.Now().Add(15 * time.Second) // the template's timeout
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				defer cancel()
				resp, err := h.Handle(ctx, request(minimalBody, "idempotency-key", "slow-1"))
				if err != nil {
					t.Fatal(err)
				}
				if answered := time.Now(); !answered.Before(deadline) {
					t.Errorf("answered at or after the invocation's deadline (%v late): Lambda would have cut it", answered.Sub(deadline))
				} else if left := deadline.Sub(answered); left < createticket.AnswerMargin {
					t.Errorf("answered %v before the deadline, want at least AnswerMargin (%v)", left, createticket.AnswerMargin)
				}
				wantError(t, resp, c.status, c.code, "")
				if line := logs.Lines(t)[0]; line["level"] != "ERROR" || line["idempotency_record_error"] == nil {
					t.Errorf("log line %v: want the failed record write at ERROR", line)
				}
			})
		})
	}
}

// slowClaims is a DynamoDB whose claim writes (in_progress, not started)
// take claimTime and whose other writes succeed at once; it keeps the
// status of every write.
type slowClaims struct {
	claimTime time.Duration
	mu        sync.Mutex
	statuses  []string
}

func (d *slowClaims) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	status, _ := in.Item["status"].(*types.AttributeValueMemberS)
	if _, started := in.Item["started_at"]; status != nil && status.Value == "in_progress" && !started {
		select {
		case <-time.After(d.claimTime):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if status != nil {
		d.statuses = append(d.statuses, status.Value)
	}
	return &dynamodb.PutItemOutput{}, nil
}

func (d *slowClaims) Statuses() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.statuses)
}

// A claim that took the Periskope call's time: Periskope is not called,
// the claim is released so that a retry with the key creates the ticket,
// and the answer says so, in a code of its own (an upstream_timeout would
// tell the client the ticket may exist).
func TestNoTimeLeftAfterTheClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &slowClaims{claimTime: 1500 * time.Millisecond}
		hs := newHarness(t, setup{idempotency: idempotency.New(db, "tickets")})
		// Periskope's budget ends 1 s from now, the claim is written after
		// 1.5 s, and the other calls may run until 2 s (AnswerMargin).
		ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve+time.Second)
		defer cancel()
		wantNoTimeLeft(t, hs.do(t, ctx, request(minimalBody, "idempotency-key", "late-claim")))
		if hs.up.Calls() != 0 {
			t.Errorf("Periskope called %d times after its budget ended", hs.up.Calls())
		}
		if got := db.Statuses(); !slices.Equal(got, []string{"in_progress", "released"}) {
			t.Errorf("record writes %q, want the claim, then its release (a retry then claims the key afresh)", got)
		}
	})
}

// wantNoTimeLeft checks the answer of a request that did not call
// Periskope for want of time: a retryable 503 that says nothing was created.
func wantNoTimeLeft(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	e := wantError(t, resp, http.StatusServiceUnavailable, createticket.CodeNoTimeLeft, "")
	if !strings.Contains(e.Message, "nothing was created") || strings.Contains(e.Message, "may or may not") {
		t.Errorf("message %q: want it to say nothing was created", e.Message)
	}
	if resp.Headers["retry-after"] != "1" {
		t.Errorf("Retry-After = %q, want 1", resp.Headers["retry-after"])
	}
}
