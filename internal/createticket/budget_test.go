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
	"github.com/aws/aws-sdk-go-v2/aws"
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

// slowClaims is a DynamoDB table of idempotency records whose claim
// writes (in_progress, not started) take claimTime, whose first start write
// (in_progress, started) takes startTime, and whose other writes are
// immediate. It applies the part of the store's conditions these tests
// meet (those conditions are proven against moto in internal/idempotency):
// a claim succeeds when there is no record or it was released, any other
// write while the record is in progress under the writer's owner; a
// refused write returns the record, as ReturnValuesOnConditionCheckFailure
// does. It keeps the status of every write applied.
type slowClaims struct {
	claimTime, startTime time.Duration
	mu                   sync.Mutex
	records              map[string]map[string]types.AttributeValue
	starts               int
	statuses             []string
}

func (d *slowClaims) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	status, _ := in.Item["status"].(*types.AttributeValueMemberS)
	_, started := in.Item["started_at"]
	inProgress := status != nil && status.Value == "in_progress"
	delay := time.Duration(0)
	d.mu.Lock()
	switch {
	case inProgress && !started:
		delay = d.claimTime
	case inProgress && d.starts == 0:
		delay = d.startTime
		d.starts++
	}
	d.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	pk := attrS(in.Item, "pk")
	old, held := d.records[pk]
	claim := inProgress && !started
	switch {
	case claim && held && attrS(old, "status") != "released",
		!claim && (!held || attrS(old, "status") != "in_progress" || attrS(old, "owner") != attrS(in.Item, "owner")):
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("condition failed"), Item: old}
	}
	if d.records == nil {
		d.records = map[string]map[string]types.AttributeValue{}
	}
	d.records[pk] = in.Item
	d.statuses = append(d.statuses, status.Value)
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

// A start mark that took the Periskope call's time: the check before
// Start passed, so the one before the call must catch it. Periskope is
// not called (the client would not send the request, its context ended,
// and the answer would be a 504 "may or may not have been created" stored
// for every retry); the claim is released, and a retry with the key
// creates the ticket, once.
func TestNoTimeLeftAfterTheStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &slowClaims{startTime: 1500 * time.Millisecond}
		hs := newHarness(t, setup{idempotency: idempotency.New(db, "tickets")})
		// Periskope's budget ends 1 s from now, Start is written after 1.5 s.
		ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve+time.Second)
		defer cancel()
		wantNoTimeLeft(t, hs.do(t, ctx, request(minimalBody, "idempotency-key", "late-start")))
		if hs.up.Calls() != 0 {
			t.Errorf("Periskope got %d requests after its budget ended", hs.up.Calls())
		}
		if got := db.Statuses(); !slices.Equal(got, []string{"in_progress", "in_progress", "released"}) {
			t.Errorf("record writes %q, want the claim, its start, then its release (never a stored 504)", got)
		}
		if line := hs.logs.Lines(t)[0]; line["upstream_attempts"] != nil {
			t.Errorf("log line %v: Periskope was not called, want no upstream_attempts", line)
		}

		retry := func() events.APIGatewayV2HTTPResponse {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			return hs.do(t, ctx, request(minimalBody, "idempotency-key", "late-start"))
		}
		if resp := retry(); resp.StatusCode != http.StatusCreated || resp.Headers[createticket.ReplayedHeader] != "" {
			t.Fatalf("retry = %d %s, want the ticket created", resp.StatusCode, resp.Body)
		}
		if resp := retry(); resp.StatusCode != http.StatusCreated || resp.Headers[createticket.ReplayedHeader] != "true" {
			t.Errorf("second retry = %d %v, want the answer replayed", resp.StatusCode, resp.Headers)
		}
		if got := hs.up.Calls(); got != 1 {
			t.Errorf("Periskope creates = %d, want 1", got)
		}
	})
}

// slowKeys is a KeyProvider whose reads take d.
type slowKeys struct{ d time.Duration }

func (k slowKeys) APIKey(ctx context.Context) (string, error) {
	select {
	case <-time.After(k.d):
		return testAPIKey, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Without an Idempotency-Key, a key read that took the Periskope call's
// time is a 503 no_time_left that calls nobody, not a 504 whose ticket
// "may or may not" exist.
func TestNoTimeLeftAfterTheKeyRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hs := newHarness(t, setup{keys: slowKeys{1500 * time.Millisecond}})
		ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve+time.Second)
		defer cancel()
		wantNoTimeLeft(t, hs.do(t, ctx, request(minimalBody)))
		if hs.up.Calls() != 0 {
			t.Errorf("Periskope got %d requests after its budget ended", hs.up.Calls())
		}
		if got := hs.metrics.Get(createticket.MetricUpstreamError); got != 0 {
			t.Errorf("UpstreamError = %v, want 0: Periskope was not called", got)
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
