package createticket_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// lostAnswers is the real DynamoDB client with chosen PutItem calls (by
// their 1-based number) failing with the error the SDK returns when its
// context ends first: applied then lost (the write landed, its answer came
// too late, as can happen on AWS too), or not applied at all.
type lostAnswers struct {
	ticketstore.PutItemAPI
	applied, notApplied map[int]bool

	mu    sync.Mutex
	calls int
}

func (d *lostAnswers) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.mu.Lock()
	d.calls++
	n := d.calls
	d.mu.Unlock()
	timedOut := &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem",
		Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}
	switch {
	case d.notApplied[n]:
		return nil, timedOut
	case d.applied[n]:
		if _, err := d.PutItemAPI.PutItem(ctx, in, opts...); err != nil {
			return nil, err
		}
		return nil, timedOut
	}
	return d.PutItemAPI.PutItem(ctx, in, opts...)
}

// "Nothing was created, retry later" is true when the write that claimed
// the key timed out on the client side but was applied: the retry with the
// same key creates the ticket, once.
func TestLiveClaimAppliedButTimedOut(t *testing.T) {
	t.Run("the claim write", func(t *testing.T) {
		l := newLiveOver(t, shared(t), testAPIKey, func(db ticketstore.PutItemAPI) ticketstore.PutItemAPI {
			return &lostAnswers{PutItemAPI: db, applied: map[int]bool{1: true}}
		})
		ctx := context.Background()
		e := wantError(t, l.do(t, ctx, request(minimalBody, "idempotency-key", "lost-claim")), 503, "idempotency_unavailable", "")
		if !strings.Contains(e.Message, "nothing was created, retry later") {
			t.Errorf("message %q", e.Message)
		}
		if attrS(l.record(t, "lost-claim"), "status") != "in_progress" {
			t.Fatal("the claim was not applied: the test proves nothing")
		}
		// The client-side timeout took the call's timeout; the client waits
		// Retry-After on top of it. By then the unstarted claim has passed
		// its start_by; the retry comes as soon as it has.
		answered := time.Now()
		startBy := time.UnixMilli(attrN(l.record(t, "lost-claim"), "start_by"))
		if latest := answered.Add(idempotency.DefaultCallTimeout + time.Second); startBy.After(latest) {
			t.Fatalf("start_by %v is after the call timeout and Retry-After have passed (%v)", startBy, latest)
		}
		time.Sleep(time.Until(startBy) + time.Millisecond)
		retry := l.do(t, ctx, request(minimalBody, "idempotency-key", "lost-claim"))
		if retry.StatusCode != 201 || retry.Headers["idempotent-replayed"] != "" {
			t.Fatalf("retry = %d %s, want the ticket created", retry.StatusCode, retry.Body)
		}
		again := l.do(t, ctx, request(minimalBody, "idempotency-key", "lost-claim"))
		if again.StatusCode != 201 || again.Headers["idempotent-replayed"] != "true" {
			t.Errorf("second retry = %d %v, want the answer replayed", again.StatusCode, again.Headers)
		}
		if got := l.up.Calls(); got != 1 {
			t.Errorf("Periskope creates = %d, want 1", got)
		}
	})
	t.Run("the start write, then the release is applied", func(t *testing.T) {
		l := newLiveOver(t, shared(t), testAPIKey, func(db ticketstore.PutItemAPI) ticketstore.PutItemAPI {
			return &lostAnswers{PutItemAPI: db, applied: map[int]bool{2: true}}
		})
		ctx := context.Background()
		e := wantError(t, l.do(t, ctx, request(minimalBody, "idempotency-key", "lost-start")), 503, "idempotency_unavailable", "")
		if strings.Contains(e.Message, "new key") {
			t.Errorf("message %q: the key was freed", e.Message)
		}
		if got := attrS(l.record(t, "lost-start"), "status"); got != "released" {
			t.Errorf("record status %q, want released", got)
		}
		if retry := l.do(t, ctx, request(minimalBody, "idempotency-key", "lost-start")); retry.StatusCode != 201 {
			t.Errorf("retry = %d %s, want the ticket created", retry.StatusCode, retry.Body)
		}
		if got := l.up.Calls(); got != 1 {
			t.Errorf("Periskope creates = %d, want 1", got)
		}
	})
	t.Run("the start write, and the release fails too", func(t *testing.T) {
		l := newLiveOver(t, shared(t), testAPIKey, func(db ticketstore.PutItemAPI) ticketstore.PutItemAPI {
			return &lostAnswers{PutItemAPI: db, applied: map[int]bool{2: true}, notApplied: map[int]bool{3: true}}
		})
		ctx := context.Background()
		e := wantError(t, l.do(t, ctx, request(minimalBody, "idempotency-key", "stuck")), 503, "idempotency_unavailable", "")
		if !strings.Contains(e.Message, "nothing was created") || !strings.Contains(e.Message, "retry with a new key") {
			t.Errorf("message %q: want it to say the key may stay refused", e.Message)
		}
		// What the answer said: the key is refused, a new key works, and
		// nothing was created under the first.
		wantError(t, l.do(t, ctx, request(minimalBody, "idempotency-key", "stuck")), 409, "idempotency_in_progress", "Idempotency-Key")
		if resp := l.do(t, ctx, request(minimalBody, "idempotency-key", "stuck-new")); resp.StatusCode != 201 {
			t.Errorf("new key = %d %s", resp.StatusCode, resp.Body)
		}
		if got := l.up.Calls(); got != 1 {
			t.Errorf("Periskope creates = %d, want 1", got)
		}
	})
}

// Periskope's refusal answered after the release failed too keeps its
// code and counts as an UpstreamError, its message saying the key may
// stay refused.
func TestLiveUpstreamRefusalWhoseReleaseFails(t *testing.T) {
	l := newLiveOver(t, shared(t), testAPIKey, func(db ticketstore.PutItemAPI) ticketstore.PutItemAPI {
		return &lostAnswers{PutItemAPI: db, notApplied: map[int]bool{3: true}} // Begin, Start, then the release
	})
	l.up.Answer(answer(429, `{"message":"Too many requests"}`, "Retry-After", "60"))
	e := wantError(t, l.do(t, context.Background(), request(minimalBody, "idempotency-key", "limited")), 429, "rate_limited", "")
	if !strings.Contains(e.Message, "retry with a new key") {
		t.Errorf("message %q: want it to say the key may stay refused", e.Message)
	}
	if got := l.metrics.Get("UpstreamError"); got != 1 {
		t.Errorf("UpstreamError = %v, want 1", got)
	}
	if line := l.logs.Lines(t)[0]; line["outcome"] != "rate_limited" || line["idempotency_record_error"] == nil {
		t.Errorf("log line %v", line)
	}
}
