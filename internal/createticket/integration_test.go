package createticket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// These tests run the handler as main wires it, against a real moto_server
// (DynamoDB and Secrets Manager through the AWS SDK) and the fake Periskope.

// sharedMoto is one moto_server for the tests that do not stop it; each
// test makes its own table and secret.
var sharedMoto struct {
	once sync.Once
	s    *motoserver.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedMoto.s != nil {
		sharedMoto.s.Stop()
	}
	os.Exit(code)
}

func shared(t *testing.T) *motoserver.Server {
	t.Helper()
	sharedMoto.once.Do(func() {
		sharedMoto.s, sharedMoto.err = motoserver.Launch(context.Background(), "127.0.0.1:0", nil)
	})
	if sharedMoto.err != nil {
		t.Fatalf("cannot run moto_server: %v", sharedMoto.err)
	}
	return sharedMoto.s
}

// live is a handler wired as in main against moto_server.
type live struct {
	*harness
	moto    *motoserver.Server
	db      *dynamodb.Client
	sm      *secretsmanager.Client
	secrets *fakeaws.SecretsManager
	table   string
	secret  string
}

var liveSeq atomic.Int32

// newLive provisions a table and (unless secretValue is "") a secret on
// moto and wires the handler to them.
// keyOpts come after the options createticket.New uses for the key cache.
func newLive(t *testing.T, moto *motoserver.Server, secretValue string, keyOpts ...secretcache.Option) *live {
	t.Helper()
	return newLiveOver(t, moto, secretValue, nil, keyOpts...)
}

// The live tests reach moto over sockets, which a synctest bubble does not
// allow, so they run on real time: where a test waits for a key cache
// lifetime to pass, it gives the cache one of these. A lifetime the test
// must still be within after a call to moto (which answers one request at
// a time, slowly on a loaded machine under -race) is seconds long: the
// failure is remembered across three requests, the first fetching.
const (
	liveMinRefresh = 50 * time.Millisecond // KeyMinRefreshInterval's stand-in
	liveKeyTTL     = 50 * time.Millisecond // secretcache.DefaultTTL's
	liveFailureTTL = 2 * time.Second       // secretcache.DefaultFailureTTL's
)

// newLiveOver is newLive with the idempotency store's DynamoDB client
// wrapped by wrap (nil: none).
func newLiveOver(t *testing.T, moto *motoserver.Server, secretValue string, wrap func(ticketstore.PutItemAPI) ticketstore.PutItemAPI, keyOpts ...secretcache.Option) *live {
	t.Helper()
	ctx := context.Background()
	n := liveSeq.Add(1)
	l := &live{moto: moto, db: dynamodb.NewFromConfig(moto.Config()), sm: secretsmanager.NewFromConfig(moto.Config()),
		table: fmt.Sprintf("tickets-%d", n), secret: fmt.Sprintf("periskope/api-key-%d", n)}
	if err := motoserver.CreateTable(ctx, l.db, l.table); err != nil {
		t.Fatal(err)
	}
	if secretValue != "" {
		l.putSecret(t, secretValue)
	}
	l.secrets = &fakeaws.SecretsManager{Next: l.sm}
	hs := &harness{up: newUpstream(t, testAPIKey), logs: &logBuffer{}, metrics: &testkit.Metrics{}}
	logger := slog.New(slog.NewJSONHandler(hs.logs, nil))
	keys := createticket.NewSecretKeys(l.secrets, l.secret, append([]secretcache.Option{
		secretcache.WithLogger(logger), secretcache.WithMetrics(hs.metrics)}, keyOpts...)...) // as createticket.New wires it
	var db ticketstore.PutItemAPI = l.db
	if wrap != nil {
		db = wrap(db)
	}
	hs.h = createticket.NewHandler(createticket.Deps{
		Tickets:     newClient(t, hs.up.URL(), hs.up.dial(), keys),
		Keys:        keys,
		Idempotency: idempotency.New(db, l.table),
		Logger:      logger,
		Metrics:     hs.metrics,
	})
	l.harness = hs
	checkNoKeysLogged(t, hs.logs)
	return l
}

func (l *live) putSecret(t *testing.T, value string) {
	t.Helper()
	if err := motoserver.PutSecret(context.Background(), l.sm, l.secret, value); err != nil {
		t.Fatal(err)
	}
}

func (l *live) record(t *testing.T, key string) map[string]types.AttributeValue {
	t.Helper()
	out, err := l.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(l.table),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: idempotency.PartitionKey(idempotency.Key{Value: key})}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func attrS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrN(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func TestLiveAPIKeyIsReadOncePerContainer(t *testing.T) {
	l := newLive(t, shared(t), `{"api_key": "`+testAPIKey+`"}`)
	for range 5 {
		if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
				t.Errorf("status %d: %s", resp.StatusCode, resp.Body)
			}
		})
	}
	wg.Wait()
	if got := l.secrets.Calls(); got != 1 {
		t.Errorf("GetSecretValue calls = %d for 15 invocations, want 1", got)
	}
	if got := l.up.Calls(); got != 15 {
		t.Errorf("Periskope calls = %d, want 15", got)
	}
}

func TestLiveRotatedKeyIsPickedUpAfter401(t *testing.T) {
	l := newLive(t, shared(t), testAPIKey, secretcache.WithMinRefreshInterval(liveMinRefresh))
	if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	l.putSecret(t, "rotated-key")
	l.up.AcceptKeys("rotated-key")
	time.Sleep(liveMinRefresh) // still well within the TTL (the default, 5 minutes)
	resp := l.do(t, context.Background(), request(minimalBody))
	if resp.StatusCode != 201 {
		t.Fatalf("after rotation: status %d: %s", resp.StatusCode, resp.Body)
	}
	if got := l.secrets.Calls(); got != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2 (first read, re-read after the 401)", got)
	}
	if got := l.up.Calls(); got != 3 {
		t.Errorf("Periskope calls = %d, want 3 (ok, 401, ok)", got)
	}
	// The new key is now cached: no further read.
	l.do(t, context.Background(), request(minimalBody))
	if got := l.secrets.Calls(); got != 2 {
		t.Errorf("GetSecretValue calls = %d after one more request, want 2", got)
	}
}

func TestLiveIdempotentRetries(t *testing.T) {
	l := newLive(t, shared(t), testAPIKey)
	ctx := context.Background()
	const key = "retry-key-1"
	first := l.do(t, ctx, request(minimalBody, "idempotency-key", key))
	if first.StatusCode != 201 {
		t.Fatalf("status %d: %s", first.StatusCode, first.Body)
	}
	// The same request, spelled differently, is the same request.
	for _, body := range []string{minimalBody, `{"subject":"Printer on fire ","chat_id":"919876543210"}`} {
		again := l.do(t, ctx, request(body, "idempotency-key", key))
		if again.StatusCode != 201 || again.Body != first.Body || again.Headers["idempotent-replayed"] != "true" {
			t.Errorf("retry = %d %v %s; want the first answer replayed", again.StatusCode, again.Headers, again.Body)
		}
	}
	wantError(t, l.do(t, ctx, request(`{"chat_id":"919876543210@c.us","subject":"Another ticket"}`, "idempotency-key", key)),
		409, "idempotency_conflict", "Idempotency-Key")
	if got := l.up.Calls(); got != 1 {
		t.Errorf("Periskope calls = %d, want 1", got)
	}
	if l.metrics.Get("Created") != 1 || l.metrics.Get("IdempotentReplay") != 2 {
		t.Errorf("metrics %v", l.metrics.All())
	}

	item := l.record(t, key)
	if attrS(item, "status") != "completed" || attrN(item, "response_status") != 201 || attrS(item, "ticket_id") != "BKT-001" {
		t.Errorf("record %v", item)
	}
	created, err := time.Parse(time.RFC3339Nano, attrS(item, "created_at"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := attrN(item, "expires_at"), created.Add(24*time.Hour).Unix(); got != want {
		t.Errorf("expires_at = %d, want created_at + 24h = %d", got, want)
	}

	// Without the header, the same body makes a new ticket.
	if resp := l.do(t, ctx, request(minimalBody)); resp.StatusCode != 201 || l.up.Calls() != 2 {
		t.Errorf("plain create: status %d, Periskope calls %d", resp.StatusCode, l.up.Calls())
	}
}

func TestLiveConcurrentDuplicates(t *testing.T) {
	l := newLive(t, shared(t), testAPIKey)
	const n = 20
	// Periskope holds its answer until every duplicate has been answered,
	// so all of them meet the first request in flight.
	gate := make(chan struct{})
	l.up.Answer(func(w http.ResponseWriter, r *http.Request) {
		<-gate
		l.up.created(w, r)
	})
	results := make(chan events.APIGatewayV2HTTPResponse, n)
	for range n {
		go func() {
			resp, _ := l.h.Handle(context.Background(), request(minimalBody, "idempotency-key", "concurrent-1"))
			results <- resp
		}()
	}
	var got []events.APIGatewayV2HTTPResponse
	for range n - 1 {
		got = append(got, <-results)
	}
	close(gate)
	got = append(got, <-results)

	fresh, replays, inProgress := 0, 0, 0
	for _, resp := range got {
		switch {
		case resp.StatusCode == 201 && resp.Headers["idempotent-replayed"] == "":
			fresh++
		case resp.StatusCode == 201:
			replays++
		case resp.StatusCode == 409 && decodeError(t, resp).Code == "idempotency_in_progress" && resp.Headers["retry-after"] == "1":
			inProgress++
		default:
			t.Errorf("unexpected answer %d %s", resp.StatusCode, resp.Body)
		}
	}
	if fresh != 1 || replays+inProgress != n-1 {
		t.Errorf("fresh %d, replays %d, in progress %d; want exactly one fresh 201", fresh, replays, inProgress)
	}
	if got := l.up.Calls(); got != 1 {
		t.Errorf("Periskope calls = %d, want 1", got)
	}
	after := l.do(t, context.Background(), request(minimalBody, "idempotency-key", "concurrent-1"))
	if after.StatusCode != 201 || after.Headers["idempotent-replayed"] != "true" || after.Body != string(l.up.Answers()[0]) {
		t.Errorf("after the first finished: %d %v", after.StatusCode, after.Headers)
	}
}

func TestLiveDynamoDBDown(t *testing.T) {
	moto := motoserver.Start(t)
	l := newLive(t, moto, testAPIKey)
	// Warm the key cache, then lose DynamoDB (and Secrets Manager with it).
	if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	moto.Stop()
	resp := l.do(t, context.Background(), request(minimalBody, "idempotency-key", "down-1"))
	wantError(t, resp, 503, "idempotency_unavailable", "")
	if got := l.up.Calls(); got != 1 {
		t.Errorf("Periskope calls = %d, want only the warm-up's 1: nothing may be created that cannot be made idempotent", got)
	}
	// A plain create needs no DynamoDB.
	if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
		t.Errorf("plain create with DynamoDB down: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestLiveUnknownOutcomesAreKept(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		l := newLive(t, shared(t), testAPIKey)
		release := make(chan struct{})
		defer close(release)
		l.up.Answer(hang(release))
		// Periskope's budget (what is left of the deadline's after the
		// claim, the key and Start, less AnswerReserve) must still be open
		// when it is called on a loaded machine: else the answer is
		// no_time_left, not this test's timeout.
		ctx, cancel := context.WithTimeout(context.Background(), createticket.AnswerReserve+4*time.Second)
		defer cancel()
		first := l.do(t, ctx, request(minimalBody, "idempotency-key", "timeout-1"))
		if e := wantError(t, first, 504, "upstream_timeout", ""); !strings.Contains(e.Message, "may or may not have been created") {
			t.Errorf("message %q does not say the ticket may exist", e.Message)
		}
		l.up.Answer(l.up.created)
		again := l.do(t, context.Background(), request(minimalBody, "idempotency-key", "timeout-1"))
		if again.StatusCode != 504 || again.Body != first.Body || again.Headers["idempotent-replayed"] != "true" {
			t.Errorf("retry after a timeout = %d %v %s; want the 504 replayed", again.StatusCode, again.Headers, again.Body)
		}
		if got := l.up.Calls(); got != 1 {
			t.Errorf("Periskope calls = %d, want 1: the first may have created the ticket", got)
		}
	})
	t.Run("server error", func(t *testing.T) {
		l := newLive(t, shared(t), testAPIKey)
		l.up.Answer(answer(500, `{"message":"boom"}`), l.up.created)
		wantError(t, l.do(t, context.Background(), request(minimalBody, "idempotency-key", "5xx-1")), 502, "upstream_error", "")
		again := l.do(t, context.Background(), request(minimalBody, "idempotency-key", "5xx-1"))
		if again.StatusCode != 502 || again.Headers["idempotent-replayed"] != "true" || l.up.Calls() != 1 {
			t.Errorf("retry after a 5xx = %d %v, Periskope calls %d", again.StatusCode, again.Headers, l.up.Calls())
		}
	})
	t.Run("first request died in flight", func(t *testing.T) {
		l := newLive(t, shared(t), testAPIKey)
		// A claim whose lease has passed without an answer, as a crashed
		// invocation leaves it.
		req, apiErr := createticket.ParseRequest([]byte(minimalBody))
		if apiErr != nil {
			t.Fatal(apiErr)
		}
		canonical, _ := json.Marshal(req)
		store := idempotency.New(l.db, l.table)
		begun, err := store.Begin(context.Background(), idempotency.Key{Value: "crashed-1"}, idempotency.Fingerprint(canonical), time.Now().Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := begun.Claim.Start(context.Background()); err != nil { // it was calling Periskope
			t.Fatal(err)
		}
		wantError(t, l.do(t, context.Background(), request(minimalBody, "idempotency-key", "crashed-1")), 409, "idempotency_outcome_unknown", "Idempotency-Key")
		if l.up.Calls() != 0 {
			t.Errorf("Periskope calls = %d, want 0", l.up.Calls())
		}
	})
}

func TestLiveCertainFailuresAreReleased(t *testing.T) {
	cases := []struct {
		name   string
		reply  reply
		status int
	}{
		{"rate limited", answer(429, `{"message":"slow down"}`, "Retry-After", "60"), 429},
		{"rejected", answer(400, `{"message":"unknown assignee"}`), 400},
		{"key refused", answer(401, `{"message":"bad key"}`), 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLive(t, shared(t), testAPIKey)
			l.up.Answer(c.reply, l.up.created)
			key := "released-" + c.name
			if resp := l.do(t, context.Background(), request(minimalBody, "idempotency-key", key)); resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, resp.Body)
			}
			if status := attrS(l.record(t, key), "status"); status != "released" {
				t.Errorf("record status %q, want released", status)
			}
			retry := l.do(t, context.Background(), request(minimalBody, "idempotency-key", key))
			if retry.StatusCode != 201 || retry.Headers["idempotent-replayed"] != "" {
				t.Errorf("retry = %d %v, want a fresh 201", retry.StatusCode, retry.Headers)
			}
			if l.up.Calls() != 2 {
				t.Errorf("Periskope calls = %d, want 2", l.up.Calls())
			}
		})
	}
	t.Run("secret unavailable", func(t *testing.T) {
		l := newLive(t, shared(t), "", secretcache.WithFailureTTL(liveFailureTTL)) // no secret yet
		wantError(t, l.do(t, context.Background(), request(minimalBody, "idempotency-key", "nosecret-1")), 503, "api_key_unavailable", "")
		if l.up.Calls() != 0 {
			t.Errorf("Periskope calls = %d, want 0", l.up.Calls())
		}
		l.putSecret(t, testAPIKey)
		time.Sleep(liveFailureTTL) // the failure is remembered until then
		if retry := l.do(t, context.Background(), request(minimalBody, "idempotency-key", "nosecret-1")); retry.StatusCode != 201 {
			t.Errorf("retry once the secret exists = %d %s", retry.StatusCode, retry.Body)
		}
	})
}

// A revoked API key secret stops the cached key at the next read: creates
// answer 503 (nothing sent to Periskope) until the secret is good again.
func TestLiveRevokedKeyIs503(t *testing.T) {
	revocations := []struct {
		name   string
		revoke func(t *testing.T, l *live)
		code   string
	}{
		{"secret deleted", func(t *testing.T, l *live) {
			_, err := l.sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{
				SecretId: aws.String(l.secret), ForceDeleteWithoutRecovery: aws.Bool(true),
			})
			if err != nil {
				t.Fatal(err)
			}
		}, "ResourceNotFoundException"},
		{"value changed to junk", func(t *testing.T, l *live) { l.putSecret(t, `{"api_key": `) }, "MalformedSecret"},
	}
	for _, rv := range revocations {
		t.Run(rv.name, func(t *testing.T) {
			l := newLive(t, shared(t), testAPIKey, secretcache.WithTTL(liveKeyTTL), secretcache.WithMinRefreshInterval(liveMinRefresh), secretcache.WithFailureTTL(liveFailureTTL))
			if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
				t.Fatalf("warm-up: %d %s", resp.StatusCode, resp.Body)
			}
			rv.revoke(t, l)
			time.Sleep(liveKeyTTL)
			for range 3 {
				wantError(t, l.do(t, context.Background(), request(minimalBody)), 503, "api_key_unavailable", "")
				time.Sleep(liveFailureTTL / 20) // remembered meanwhile
			}
			if l.up.Calls() != 1 {
				t.Errorf("Periskope calls = %d, want 1 (the warm-up only)", l.up.Calls())
			}
			var warned bool
			for _, line := range l.logs.Lines(t) {
				warned = warned || line["level"] == "WARN" && line["aws_error"] == rv.code
			}
			if !warned || l.metrics.Get(secretcache.MetricRefreshFailed) != 1 {
				t.Errorf("WARN with %s logged: %v; %s = %v, want 1", rv.code, warned,
					secretcache.MetricRefreshFailed, l.metrics.Get(secretcache.MetricRefreshFailed))
			}
			l.putSecret(t, testAPIKey)
			time.Sleep(liveFailureTTL)
			if resp := l.do(t, context.Background(), request(minimalBody)); resp.StatusCode != 201 {
				t.Fatalf("after the secret was fixed: %d %s", resp.StatusCode, resp.Body)
			}
		})
	}
}

// Every sample event decodes and gets its documented status through the
// handler, against moto_server and the fake Periskope.
func TestSampleEvents(t *testing.T) {
	want := map[string][]int{ // statuses of successive sends
		"create-ticket-minimal.json":         {201},
		"create-ticket-full.json":            {201},
		"create-ticket-idempotent.json":      {201, 201},
		"create-ticket-missing-subject.json": {400},
		"create-ticket-bad-priority.json":    {400},
		"create-ticket-bad-chat-id.json":     {400},
		"create-ticket-malformed-json.json":  {400},
		"create-ticket-unknown-field.json":   {400},
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "create-ticket-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples found: %v", err)
	}
	l := newLive(t, shared(t), testAPIKey)
	calls := 0
	for _, path := range files {
		name := filepath.Base(path)
		statuses, ok := want[name]
		if !ok {
			t.Errorf("%s: no expected status in this test; add it", name)
			continue
		}
		delete(want, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &req); err != nil {
			t.Errorf("%s: not an HTTP API event: %v", name, err)
			continue
		}
		if req.RouteKey != "POST /tickets" || req.RawPath != "/tickets" || req.RequestContext.HTTP.Method != "POST" {
			t.Errorf("%s: route %q path %q", name, req.RouteKey, req.RawPath)
		}
		for i, status := range statuses {
			resp := l.do(t, context.Background(), req)
			if resp.StatusCode != status {
				t.Errorf("%s, send %d: status %d, want %d: %s", name, i+1, resp.StatusCode, status, resp.Body)
			}
			if i > 0 && resp.Headers["idempotent-replayed"] != "true" {
				t.Errorf("%s, send %d: not replayed", name, i+1)
			}
		}
		if statuses[0] == 201 {
			calls++
		}
	}
	for name := range want {
		t.Errorf("sample %s is missing from events/", name)
	}
	if got := l.up.Calls(); got != calls {
		t.Errorf("Periskope calls = %d, want %d (one per created sample)", got, calls)
	}
}
