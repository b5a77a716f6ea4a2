package idempotency_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

const table = "idempotency-test"

// env is one moto_server with the table, shared by the subtests of TestStore;
// each subtest uses its own keys.
type env struct {
	moto *motoserver.Server
	db   *dynamodb.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	moto, db := motoserver.StartWithTable(t, table)
	return &env{moto: moto, db: db}
}

func (e *env) store(opts ...idempotency.Option) *idempotency.Store {
	return idempotency.New(e.db, table, opts...)
}

func (e *env) item(t *testing.T, key string) map[string]types.AttributeValue {
	t.Helper()
	return e.itemOf(t, idempotency.Key{Value: key})
}

func (e *env) itemOf(t *testing.T, key idempotency.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: idempotency.PartitionKey(key)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func TestStore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fp := idempotency.Fingerprint([]byte(`{"chat_id":"919876543210@c.us","subject":"a"}`))
	otherFP := idempotency.Fingerprint([]byte(`{"chat_id":"919876543210@c.us","subject":"b"}`))
	// The store runs on real time (moto is reached over sockets, which a
	// synctest bubble does not allow): a test that waits for a lease to pass
	// takes a short one.
	lease := func() time.Time { return time.Now().Add(30 * time.Second) }
	shortLease := func() time.Time { return time.Now().Add(100 * time.Millisecond) }
	waitPast := func(t time.Time) { time.Sleep(time.Until(t) + time.Millisecond) }
	// Where a claim not started must still be protected (in progress, one
	// claim among concurrent requests), the start window is a minute, not
	// StartWindow's second: moto answers one request at a time, and on a
	// loaded machine a second is not always enough for the next Begin.
	// Only the takeover test, which waits for the window to pass, takes a
	// short one.
	inProgressWindow := idempotency.WithStartWindow(time.Minute)

	t.Run("first request claims, duplicates see in progress or conflict", func(t *testing.T) {
		s := e.store(inProgressWindow)
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-inflight"}, fp, lease())
		if err != nil || begun.Claim == nil || begun.Replay != nil {
			t.Fatalf("Begin = %+v, %v; want a claim", begun, err)
		}
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-inflight"}, fp, lease()); !errors.Is(err, idempotency.ErrInProgress) {
			t.Errorf("same request while in flight, its claim not started, within the start window: %v, want ErrInProgress", err)
		}
		if err := begun.Claim.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-inflight"}, fp, lease()); !errors.Is(err, idempotency.ErrInProgress) {
			t.Errorf("same request while in flight, started: %v, want ErrInProgress", err)
		}
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-inflight"}, otherFP, lease()); !errors.Is(err, idempotency.ErrConflict) {
			t.Errorf("other request while in flight: %v, want ErrConflict", err)
		}
	})

	t.Run("completed answer is replayed exactly, other request conflicts", func(t *testing.T) {
		t.Parallel() // it waits real time
		s := e.store()
		claimLease := shortLease()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-done"}, fp, claimLease)
		if err != nil {
			t.Fatal(err)
		}
		want := idempotency.Response{Status: 201, Body: []byte(`{"ticket":{"ticket_id":"BKT-001"}}`), TicketID: "BKT-001"}
		if err := begun.Claim.Complete(ctx, want); err != nil {
			t.Fatal(err)
		}
		// Later: past the claim's lease and start window, and the record
		// kept for more than another hour.
		waitPast(claimLease)
		waitPast(time.UnixMilli(getN(e.item(t, "k-done"), "start_by")))
		if expires, hourLater := getN(e.item(t, "k-done"), "expires_at"), time.Now().Add(time.Hour).Unix(); expires <= hourLater {
			t.Errorf("expires_at %d: the answer is not kept an hour (%d)", expires, hourLater)
		}
		again, err := s.Begin(ctx, idempotency.Key{Value: "k-done"}, fp, lease())
		if err != nil || again.Replay == nil || again.Claim != nil {
			t.Fatalf("Begin after Complete = %+v, %v; want a replay", again, err)
		}
		if got := *again.Replay; got.Status != want.Status || !bytes.Equal(got.Body, want.Body) || got.TicketID != want.TicketID {
			t.Errorf("replay = %+v, want %+v", got, want)
		}
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-done"}, otherFP, lease()); !errors.Is(err, idempotency.ErrConflict) {
			t.Errorf("other request after completion: %v, want ErrConflict", err)
		}
	})

	t.Run("two callers, same key: independent records", func(t *testing.T) {
		s := e.store()
		alice := idempotency.Key{Caller: "iam:arn:aws:iam::123456789012:user/alice", Value: "k-shared"}
		bob := idempotency.Key{Caller: "iam:arn:aws:iam::123456789012:user/bob", Value: "k-shared"}
		anonymous := idempotency.Key{Value: "k-shared"}
		begun, err := s.Begin(ctx, alice, fp, lease())
		if err != nil || begun.Claim == nil {
			t.Fatalf("alice: Begin = %+v, %v", begun, err)
		}
		if err := begun.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: []byte(`{"secret":"alice's chat"}`)}); err != nil {
			t.Fatal(err)
		}
		// Bob's request, the same or another, is his own: claimed, neither
		// replayed nor refused as a conflict or as in progress.
		for _, k := range []idempotency.Key{bob, anonymous} {
			begun, err := s.Begin(ctx, k, otherFP, lease())
			if err != nil || begun.Claim == nil || begun.Replay != nil {
				t.Fatalf("%q: Begin = %+v, %v; want a claim of its own", k.Caller, begun, err)
			}
		}
		if _, err := s.Begin(ctx, bob, fp, lease()); !errors.Is(err, idempotency.ErrConflict) {
			t.Errorf("bob again with alice's body: %v, want ErrConflict with his own record", err)
		}
		if got := e.itemOf(t, alice); getS(got, "status") != "completed" {
			t.Errorf("alice's record %v", got)
		}
		if got := e.itemOf(t, bob); getS(got, "status") != "in_progress" || getS(got, "body_hash") != otherFP {
			t.Errorf("bob's record %v", got)
		}
	})

	t.Run("released key is claimed again", func(t *testing.T) {
		s := e.store()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-released"}, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		if err := begun.Claim.Release(ctx, 429); err != nil {
			t.Fatal(err)
		}
		again, err := s.Begin(ctx, idempotency.Key{Value: "k-released"}, fp, lease())
		if err != nil || again.Claim == nil {
			t.Fatalf("Begin after Release = %+v, %v; want a new claim", again, err)
		}
		// The old claim cannot finish the new one's record.
		if err := begun.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: []byte(`{}`)}); !errors.Is(err, idempotency.ErrClaimLost) {
			t.Errorf("stale claim Complete: %v, want ErrClaimLost", err)
		}
	})

	t.Run("started claim whose lease passed without an answer is not taken over", func(t *testing.T) {
		t.Parallel() // it waits real time
		s := e.store()
		claimLease := shortLease()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-abandoned"}, fp, claimLease)
		if err != nil {
			t.Fatal(err)
		}
		if err := begun.Claim.Start(ctx); err != nil {
			t.Fatal(err)
		}
		waitPast(claimLease)
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-abandoned"}, fp, lease()); !errors.Is(err, idempotency.ErrOutcomeUnknown) {
			t.Errorf("after the lease: %v, want ErrOutcomeUnknown", err)
		}
	})

	t.Run("claim never started is taken over after its start window, by the same request only", func(t *testing.T) {
		t.Parallel() // it waits real time
		// Within the window such a claim is in progress: see the first
		// subtest, whose window is long enough to be sure of "within".
		s := e.store(idempotency.WithStartWindow(200 * time.Millisecond))
		key := idempotency.Key{Value: "k-unstarted"}
		first, err := s.Begin(ctx, key, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		record := e.item(t, "k-unstarted")
		if created, err := time.Parse(time.RFC3339Nano, getS(record, "created_at")); err != nil || getN(record, "start_by") != created.Add(200*time.Millisecond).UnixMilli() {
			t.Errorf("start_by %d, created_at %q: want the window of WithStartWindow", getN(record, "start_by"), getS(record, "created_at"))
		}
		waitPast(time.UnixMilli(getN(e.item(t, "k-unstarted"), "start_by")))
		if _, err := s.Begin(ctx, key, otherFP, lease()); !errors.Is(err, idempotency.ErrConflict) {
			t.Errorf("another request after the start window: %v, want ErrConflict", err)
		}
		secondLease := shortLease()
		second, err := s.Begin(ctx, key, fp, secondLease)
		if err != nil || second.Claim == nil {
			t.Fatalf("same request after the start window: %+v, %v; want the claim taken over", second, err)
		}
		// The first holder, had it been alive, finds its claim gone and
		// does no work; the new holder starts.
		if err := first.Claim.Start(ctx); !errors.Is(err, idempotency.ErrClaimLost) {
			t.Errorf("first holder's Start: %v, want ErrClaimLost", err)
		}
		if err := second.Claim.Start(ctx); err != nil {
			t.Fatalf("new holder's Start: %v", err)
		}
		if err := second.Claim.Start(ctx); err != nil {
			t.Errorf("Start sent again (a retried write that was applied): %v, want nil", err)
		}
		waitPast(secondLease)
		if _, err := s.Begin(ctx, key, fp, lease()); !errors.Is(err, idempotency.ErrOutcomeUnknown) {
			t.Errorf("started claim past its lease: %v, want ErrOutcomeUnknown", err)
		}
		if got := e.item(t, "k-unstarted"); getS(got, "started_at") == "" {
			t.Errorf("started record has no started_at: %v", got)
		}
	})

	t.Run("a claim write sent twice (the SDK's retry of a write that was applied) holds the claim", func(t *testing.T) {
		s := idempotency.New(sentTwice{e.db}, table)
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-twice"}, fp, lease())
		if err != nil || begun.Claim == nil {
			t.Fatalf("Begin = %+v, %v; want the claim, not a request in progress", begun, err)
		}
		if err := begun.Claim.Start(ctx); err != nil {
			t.Errorf("Start sent twice: %v", err)
		}
	})

	t.Run("expired record counts as absent", func(t *testing.T) {
		s := e.store()
		old, err := s.Begin(ctx, idempotency.Key{Value: "k-expired"}, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		// A day later (TTL), before DynamoDB's TTL sweep has deleted it.
		item := e.item(t, "k-expired")
		item["expires_at"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix()-1, 10)} // in seconds
		if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
		again, err := s.Begin(ctx, idempotency.Key{Value: "k-expired"}, otherFP, lease())
		if err != nil || again.Claim == nil {
			t.Fatalf("Begin after expiry = %+v, %v; want a new claim", again, err)
		}
	})

	t.Run("record layout", func(t *testing.T) {
		s := e.store()
		key := "layout-" + strings.Repeat("x", 200)
		before := time.Now()
		if _, err := s.Begin(ctx, idempotency.Key{Value: key}, fp, lease()); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		item := e.item(t, key)
		created, err := time.Parse(time.RFC3339Nano, getS(item, "created_at"))
		if err != nil || created.Before(before) || created.After(after) || getS(item, "created_at") != created.UTC().Format(time.RFC3339Nano) {
			t.Errorf("created_at = %q, want the time of Begin in UTC RFC 3339 (%v, %v)", getS(item, "created_at"), before, err)
		}
		pk := item["pk"].(*types.AttributeValueMemberS).Value
		if !strings.HasPrefix(pk, "IDEMPOTENCY#") || len(pk) != len("IDEMPOTENCY#")+64 {
			t.Errorf("pk = %q, want IDEMPOTENCY#<sha256 hex>", pk)
		}
		if got, want := item["expires_at"].(*types.AttributeValueMemberN).Value, strconv.FormatInt(created.Add(24*time.Hour).Unix(), 10); got != want { // created + 24h
			t.Errorf("expires_at = %s, want %s", got, want)
		}
		if got := item["status"].(*types.AttributeValueMemberS).Value; got != "in_progress" {
			t.Errorf("status = %q", got)
		}
		if got, want := getN(item, "start_by"), created.Add(idempotency.StartWindow).UnixMilli(); got != want {
			t.Errorf("start_by = %d, want created_at + StartWindow in ms (%d)", got, want)
		}
		if got := item["body_hash"].(*types.AttributeValueMemberS).Value; got != fp {
			t.Errorf("body_hash = %q, want %q", got, fp)
		}
		for name, v := range item {
			if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, "xxxxxxxx") {
				t.Errorf("attribute %s holds the raw key", name)
			}
		}
	})

	t.Run("large answers are stored", func(t *testing.T) {
		s := e.store()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-large"}, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		// A ticket of a big group: ~1 MB of JSON, far above the 400 KB item limit.
		body := []byte(`{"chat":{"members":{` + strings.Repeat(`"919876543210@c.us":{"contact_name":"Support","is_admin":true},`, 16000) + `"x":{}}}}`)
		if err := begun.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: body}); err != nil {
			t.Fatal(err)
		}
		again, err := s.Begin(ctx, idempotency.Key{Value: "k-large"}, fp, lease())
		if err != nil || again.Replay == nil || !bytes.Equal(again.Replay.Body, body) {
			t.Fatalf("replay of a large answer: %v (replay %v)", err, again.Replay != nil)
		}
	})

	t.Run("a stored answer that decompresses past MaxDataBytes is refused", func(t *testing.T) {
		s := e.store()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-bomb"}, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		if err := begun.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		item := e.item(t, "k-bomb")
		item["response_body_gz"] = &types.AttributeValueMemberB{Value: ticketstore.Gzip(make([]byte, ticketstore.MaxDataBytes+1))}
		if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
		if again, err := s.Begin(ctx, idempotency.Key{Value: "k-bomb"}, fp, lease()); !errors.Is(err, idempotency.ErrAnswerUnreadable) {
			t.Errorf("Begin over an oversized answer = %+v, %v; want ErrAnswerUnreadable", again, err)
		}
	})

	t.Run("concurrent first requests make exactly one claim", func(t *testing.T) {
		s := e.store(inProgressWindow)
		var mu sync.Mutex
		claims, inProgress := 0, 0
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				begun, err := s.Begin(ctx, idempotency.Key{Value: "k-race"}, fp, lease())
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && begun.Claim != nil:
					claims++
				case errors.Is(err, idempotency.ErrInProgress):
					inProgress++
				default:
					t.Errorf("Begin: %+v, %v", begun, err)
				}
			})
		}
		wg.Wait()
		if claims != 1 || inProgress != 19 {
			t.Errorf("claims = %d, in progress = %d; want 1 and 19", claims, inProgress)
		}
	})

	t.Run("invalid keys are refused before any call", func(t *testing.T) {
		s := idempotency.New(nil, table) // a nil db panics if it were called
		for _, key := range []string{"", strings.Repeat("k", 256), "tab\tkey", "é"} {
			if _, err := s.Begin(ctx, idempotency.Key{Value: key}, fp, lease()); !errors.Is(err, idempotency.ErrInvalidKey) {
				t.Errorf("Begin(%q): %v, want ErrInvalidKey", key, err)
			}
		}
	})

	t.Run("store down is ErrUnavailable", func(t *testing.T) {
		down := newEnv(t)
		s := down.store()
		begun, err := s.Begin(ctx, idempotency.Key{Value: "k-down"}, fp, lease())
		if err != nil {
			t.Fatal(err)
		}
		down.moto.Stop()
		if _, err := s.Begin(ctx, idempotency.Key{Value: "k-down-2"}, fp, lease()); !errors.Is(err, idempotency.ErrUnavailable) {
			t.Errorf("Begin with DynamoDB down: %v, want ErrUnavailable", err)
		}
		if err := begun.Claim.Complete(ctx, idempotency.Response{Status: 201, Body: []byte(`{}`)}); !errors.Is(err, idempotency.ErrUnavailable) {
			t.Errorf("Complete with DynamoDB down: %v, want ErrUnavailable", err)
		}
	})
}

func TestValidateKey(t *testing.T) {
	valid := []string{"a", "8e3f1c1e-4a43-4b0e-9d7c-0f6b1c2d3e4f", strings.Repeat("k", 255), "with space", "~!@#$%^&*()"}
	for _, key := range valid {
		if err := idempotency.ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	invalid := []string{"", strings.Repeat("k", 256), "line\nbreak", "nul\x00", "del\x7f", "ünï"}
	for _, key := range invalid {
		if err := idempotency.ValidateKey(key); !errors.Is(err, idempotency.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestPartitionKeyAndFingerprint(t *testing.T) {
	distinct := []idempotency.Key{
		{Value: "k1"},
		{Value: "k2"},
		{Caller: "a", Value: "k1"},
		{Caller: "b", Value: "k1"},
		// The boundary between caller and key is not lost.
		{Caller: "ab", Value: "c"},
		{Caller: "a", Value: "bc"},
		{Caller: "1:a", Value: "b"},
		{Caller: "1", Value: ":ab"},
	}
	seen := map[string]idempotency.Key{}
	for _, k := range distinct {
		pk := idempotency.PartitionKey(k)
		if other, dup := seen[pk]; dup {
			t.Errorf("%+v and %+v share a partition key", k, other)
		}
		seen[pk] = k
		if !strings.HasPrefix(pk, idempotency.KeyPrefix) || len(pk) != len(idempotency.KeyPrefix)+64 {
			t.Errorf("PartitionKey(%+v) = %q", k, pk)
		}
	}
	// sha256("abc"), a published test vector.
	if got := idempotency.Fingerprint([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Fingerprint(abc) = %s", got)
	}
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// sentTwice sends every PutItem twice and answers with the second's
// result, as the SDK does when its first attempt was applied but its
// answer lost.
type sentTwice struct{ db ticketstore.PutItemAPI }

func (d sentTwice) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, err := d.db.PutItem(ctx, in, opts...); err != nil {
		return nil, err
	}
	return d.db.PutItem(ctx, in, opts...)
}

func getN(item map[string]types.AttributeValue, name string) int64 {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(v.Value, 10, 64)
	return n
}
