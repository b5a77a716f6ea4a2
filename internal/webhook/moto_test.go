package webhook_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

const (
	motoTable  = "periskope-tickets"
	motoSecret = "periskope/test/signing-key"
)

// motoRig is the function's real wiring (webhook.New over the SDK, AWS
// settings read from the environment as in Lambda) against moto_server.
type motoRig struct {
	srv     *motoserver.Server
	db      *dynamodb.Client
	sm      *secretsmanager.Client
	deps    webhook.Deps // h's, for a later invocation's handler
	h       *webhook.Handler
	metrics *testkit.Metrics
	log     *bytes.Buffer
	calls   *awsCalls // every AWS call the handler's clients make
}

// awsCalls counts AWS operations by name, from a middleware on the SDK
// config: the function's own clients, unchanged, report what they call.
type awsCalls struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *awsCalls) install(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.mu.Lock()
				c.counts[middleware.GetOperationName(ctx)]++
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (c *awsCalls) get(operation string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[operation]
}

// The moto tests run on real time; where one waits for a key cache
// lifetime to pass, the cache gets one of these (through motoOptions).
// A lifetime the test must still be within, after calls to moto (which
// answers one request at a time, slowly on a loaded machine under -race),
// is seconds long; one it only waits past is short.
const (
	motoMinRefresh = 5 * time.Second        // long enough to refresh too soon on purpose, after three moto calls
	motoKeyTTL     = 50 * time.Millisecond  // secretcache.DefaultTTL's stand-in
	motoFailureTTL = 300 * time.Millisecond // secretcache.DefaultFailureTTL's
)

type motoOptions struct {
	table       string // the table the function is configured with
	noSecret    bool   // leave the signing key secret uncreated
	secretValue string // default: the local key
	// keyCache comes after webhook.New's options for the key cache: moto is
	// reached over sockets, which a synctest bubble does not allow, so a
	// test that waits for a cache lifetime to pass gives it a short one.
	keyCache []secretcache.Option
}

func newMotoRig(t *testing.T, o motoOptions) *motoRig {
	t.Helper()
	srv := motoserver.Start(t)
	awsCfg, err := awsenv.FromLookup(env(srv.Env()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := &motoRig{srv: srv, db: dynamodb.NewFromConfig(awsCfg), sm: secretsmanager.NewFromConfig(awsCfg),
		metrics: &testkit.Metrics{}, log: &bytes.Buffer{}, calls: &awsCalls{counts: map[string]int{}}}
	if err := motoserver.CreateTable(ctx, r.db, motoTable); err != nil {
		t.Fatal(err)
	}
	if !o.noSecret {
		value := o.secretValue
		if value == "" {
			value = localKey
		}
		r.putSecret(t, value)
	}
	table := o.table
	if table == "" {
		table = motoTable
	}
	cfg, err := webhook.ConfigFromEnv(func(k string) string {
		return map[string]string{webhook.EnvSigningKeySecret: motoSecret, webhook.EnvTicketsTable: table}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	r.calls.install(&awsCfg) // after the rig's own clients, which it does not count
	logger := slog.New(slog.NewJSONHandler(r.log, nil))
	// As webhook.New wires it, receiving at the tests' fixed time.
	keys := secretcache.New(secretsmanager.NewFromConfig(awsCfg), cfg.SigningKeySecret, secretcache.ParseSigningKeys,
		append([]secretcache.Option{secretcache.WithLogger(logger), secretcache.WithMetrics(r.metrics)}, o.keyCache...)...)
	r.deps = webhook.Deps{
		Keys:    keys,
		Store:   ticketstore.New(dynamodb.NewFromConfig(awsCfg), cfg.TicketsTable),
		Logger:  logger,
		Metrics: r.metrics,
		Now:     func() time.Time { return now },
	}
	r.h = webhook.NewHandler(r.deps)
	return r
}

func (r *motoRig) putSecret(t *testing.T, value string) {
	t.Helper()
	if err := motoserver.PutSecret(context.Background(), r.sm, motoSecret, value); err != nil {
		t.Fatal(err)
	}
}

func (r *motoRig) send(t *testing.T, req events.APIGatewayV2HTTPRequest) reply {
	t.Helper()
	resp, err := r.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	return decodeReply(t, resp)
}

func (r *motoRig) item(t *testing.T, orgID, ticketID string) map[string]types.AttributeValue {
	t.Helper()
	out, err := r.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(motoTable), Key: ticketstore.ItemKey(orgID, ticketID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func (r *motoRig) count(t *testing.T) int {
	t.Helper()
	out, err := r.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(motoTable), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// byChat returns the pks the ByChat index lists for chatID.
func (r *motoRig) byChat(t *testing.T, chatID string) []string {
	t.Helper()
	return motoserver.IndexPKs(t, r.db, motoTable, ticketstore.IndexByChat, "chat_id", chatID)
}

func (r *motoRig) lastLog(t *testing.T) map[string]any {
	t.Helper()
	lines := testkit.JSONLines(t, r.log.Bytes())
	if len(lines) == 0 {
		t.Fatal("nothing was logged")
	}
	return lines[len(lines)-1]
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "<not a string>"
}

func TestMotoStoresTheSampleAsDesigned(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 200 || got.Body["status"] != "stored" || got.Body["ticket_id"] != "TICKET-12345" {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	want := wantSampleTicket(t)
	item := r.item(t, want.OrgID, want.TicketID)
	if item == nil {
		t.Fatal("no item")
	}
	// The item as docs/contract.md describes it, attribute by attribute.
	for name, value := range map[string]string{
		"pk":          "TICKET#2997xx64-89bf-48d3-9a22-b314fxx017e5#TICKET-12345",
		"ticket_id":   "TICKET-12345",
		"org_id":      "2997xx64-89bf-48d3-9a22-b314fxx017e5",
		"chat_id":     "919X836X025X090@Xc.us",
		"subject":     "Sample Ticket Subject",
		"status":      "open",
		"created_at":  "2024-05-24T08:30:00+00:00",
		"received_at": "2025-03-01T12:00:00.25Z",
		"event":       "ticket.created",
		"data":        string(want.Data),
	} {
		if got := str(item, name); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
	if p, ok := item["priority"].(*types.AttributeValueMemberN); !ok || p.Value != "2" {
		t.Errorf("priority = %#v, want number 2", item["priority"])
	}
	stored, err := ticketstore.FromItem(item)
	if err != nil {
		t.Fatal(err)
	}
	assertStored(t, stored, want)
}

func TestMotoBase64SampleStoresTheSameItem(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	if got := r.send(t, sample(t, "webhook-ticket-created-base64.json")); got.Status != 200 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	want := wantSampleTicket(t)
	if got := str(r.item(t, want.OrgID, want.TicketID), "data"); got != string(want.Data) {
		t.Errorf("data differs from the plain delivery's")
	}
}

func TestMotoDataIsLossless(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	env := baseline(t)
	ticketOf(env)["not_modelled_yet"] = map[string]any{"depth": []any{json.Number("1.0000000000000000000001"), map[string]any{"flag": true, "nil": nil}}}
	env["data"].(map[string]any)["sla"] = map[string]any{"breach_at": "2025-04-20", "tier": json.Number("18446744073709551617")}
	body := mustJSON(t, env)
	if got := r.send(t, signed(t, body, localKey)); got.Status != 200 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	var sent struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	data := str(r.item(t, "2997xx64-89bf-48d3-9a22-b314fxx017e5", "TICKET-12345"), "data")
	if data != string(sent.Data) {
		t.Fatalf("stored data differs from the data received:\n got %s\nwant %s", data, sent.Data)
	}
	for _, part := range []string{`"not_modelled_yet":{"depth":[1.0000000000000000000001,{"flag":true,"nil":null}]}`, `"tier":18446744073709551617`} {
		if !strings.Contains(data, part) {
			t.Errorf("stored data lacks %s", part)
		}
	}
}

func TestMotoDuplicateDoesNotOverwrite(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	first := sample(t, "webhook-ticket-created.json")
	if got := r.send(t, first); got.Body["status"] != "stored" {
		t.Fatalf("first: %s", got.Raw.Body)
	}
	// Redelivered an hour later (another invocation).
	later := r.deps
	later.Now = func() time.Time { return now.Add(time.Hour) }
	r.h = webhook.NewHandler(later)
	env := baseline(t)
	ticketOf(env)["subject"] = "changed on redelivery"
	for _, req := range []events.APIGatewayV2HTTPRequest{first, signed(t, mustJSON(t, env), localKey)} {
		got := r.send(t, req)
		if got.Status != 200 || got.Body["status"] != "duplicate" || got.Body["ticket_id"] != "TICKET-12345" {
			t.Fatalf("redelivery: %d %s", got.Status, got.Raw.Body)
		}
	}
	item := r.item(t, "2997xx64-89bf-48d3-9a22-b314fxx017e5", "TICKET-12345")
	if str(item, "subject") != "Sample Ticket Subject" || str(item, "received_at") != "2025-03-01T12:00:00.25Z" {
		t.Errorf("a duplicate overwrote the item: %s, %s", str(item, "subject"), str(item, "received_at"))
	}
	if n := r.count(t); n != 1 {
		t.Errorf("%d items, want 1", n)
	}
}

func TestMotoConcurrentDeliveriesStoreOne(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	const n = 50
	counts := deliverConcurrently(r.h, sample(t, "webhook-ticket-created.json"), n)
	// internal/dev/motoserver serialises requests to moto, so its conditional
	// writes are atomic as DynamoDB's are: exactly one delivery stores.
	if counts["stored"] != 1 || counts["duplicate"] != n-1 {
		t.Errorf("answers %v, want exactly 1 stored and %d duplicate", counts, n-1)
	}
	if got := r.count(t); got != 1 {
		t.Errorf("%d items, want 1", got)
	}
	want := wantSampleTicket(t)
	stored, err := ticketstore.FromItem(r.item(t, want.OrgID, want.TicketID))
	if err != nil {
		t.Fatal(err)
	}
	assertStored(t, stored, want)
}

func TestMotoMissingTableIs503(t *testing.T) {
	r := newMotoRig(t, motoOptions{table: "no-such-table"})
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 503 || got.ErrCode != "dependency_unavailable" {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	line := r.lastLog(t)
	if line["dependency"] != "dynamodb" || line["aws_error"] != "ResourceNotFoundException" {
		t.Errorf("log line %v", line)
	}
	if n := r.count(t); n != 0 {
		t.Errorf("%d items in the real table", n)
	}
}

// A write DynamoDB refuses for good is not an outage: 500 store_rejected,
// logged as an error with the AWS error code (not its message), counted
// for its own alarm. Here TICKETS_TABLE names a table keyed otherwise,
// which DynamoDB answers with a ValidationException.
func TestMotoValidationExceptionIsStoreRejected(t *testing.T) {
	r := newMotoRig(t, motoOptions{table: "keyed-otherwise"})
	_, err := r.db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("keyed-otherwise"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	metrics := r.metrics
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 500 || got.ErrCode != "store_rejected" {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	line := r.lastLog(t)
	if line["level"] != "ERROR" || line["dependency"] != "dynamodb" || line["aws_error"] != "ValidationException" {
		t.Errorf("log line %v", line)
	}
	// The same refusal, asked for directly, to know its message.
	var apiErr smithy.APIError
	direct := ticketstore.New(r.db, "keyed-otherwise").Put(context.Background(), wantSampleTicket(t))
	if !errors.As(direct, &apiErr) || apiErr.ErrorMessage() == "" {
		t.Fatalf("direct Put: %v, want an AWS error with a message", direct)
	}
	if strings.Contains(r.log.String(), apiErr.ErrorMessage()) {
		t.Errorf("log holds the AWS error message %q: %s", apiErr.ErrorMessage(), r.log.String())
	}
	if metrics.Get(webhook.MetricStoreRejected) != 1 {
		t.Errorf("metrics %v, want %s", metrics.All(), webhook.MetricStoreRejected)
	}
}

// readmeExample is the delivery docs/local.md's "Running it locally" signs by
// hand: a ticket with no chat.
const readmeExample = `{"event":"ticket.created","org_id":"my-org","previous_attributes":{},"timestamp":"2026-11-22T03:02:25+00:00","data":{"ticket":{"ticket_id":"MAN-001","org_id":"my-org","subject":"By hand","status":"open","priority":2,"created_at":"2026-11-22T03:02:25+00:00"}}}`

// Deliveries whose ticket has no chat id or no usable created_at are
// stored (outside the sparse ByChat index, whose keys DynamoDB would refuse
// as empty or too long); with both the ticket is in the index too.
func TestMotoTicketsOutsideTheIndexAreStored(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	data := func(env map[string]any) map[string]any { return env["data"].(map[string]any) }
	noMessage := func(env map[string]any) { delete(data(env), "message") }
	for _, tc := range []struct {
		name    string
		body    func(t *testing.T) []byte
		indexed bool
	}{
		{"local.md's MAN-001", func(*testing.T) []byte { return []byte(readmeExample) }, false},
		{"chat and created_at", func(t *testing.T) []byte { return mustJSON(t, baseline(t)) }, true},
		{"no chat", func(t *testing.T) []byte {
			env := baseline(t)
			noMessage(env)
			delete(data(env), "chat")
			return mustJSON(t, env)
		}, false},
		{"chat null", func(t *testing.T) []byte {
			env := baseline(t)
			noMessage(env)
			data(env)["chat"] = nil
			return mustJSON(t, env)
		}, false},
		{"chat without chat_id", func(t *testing.T) []byte {
			env := baseline(t)
			noMessage(env)
			delete(data(env)["chat"].(map[string]any), "chat_id")
			return mustJSON(t, env)
		}, false},
		{"no created_at", func(t *testing.T) []byte {
			env := baseline(t)
			delete(ticketOf(env), "created_at")
			return mustJSON(t, env)
		}, false},
		{"1,500-byte created_at", func(t *testing.T) []byte {
			env := baseline(t)
			ticketOf(env)["created_at"] = strings.Repeat("2", 1500)
			return mustJSON(t, env)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body(t)
			var env struct {
				OrgID string `json:"org_id"`
				Data  struct {
					Ticket struct {
						TicketID string `json:"ticket_id"`
					} `json:"ticket"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			ticketID := "T-" + strings.ReplaceAll(tc.name, " ", "-")
			if tc.name != "local.md's MAN-001" {
				body = []byte(strings.Replace(string(body), `"ticket_id":"`+env.Data.Ticket.TicketID+`"`, `"ticket_id":"`+ticketID+`"`, 1))
			} else {
				ticketID = env.Data.Ticket.TicketID
			}
			before := r.count(t)
			got := r.send(t, signed(t, body, localKey))
			if got.Status != 200 || got.Body["status"] != "stored" || got.Body["ticket_id"] != ticketID {
				t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
			}
			if n := r.count(t) - before; n != 1 {
				t.Fatalf("%d items written, want 1", n)
			}
			item := r.item(t, env.OrgID, ticketID)
			stored, err := ticketstore.FromItem(item)
			if err != nil {
				t.Fatalf("GetItem: %v", err)
			}
			chatID := "919X836X025X090@Xc.us"
			if got := r.byChat(t, chatID); slices.Contains(got, str(item, "pk")) != tc.indexed {
				t.Errorf("in ByChat(%s) = %v, want %v (item chat_id %q)", chatID, !tc.indexed, tc.indexed, stored.ChatID)
			}
		})
	}
}

func TestMotoMissingSecretIs503Cold(t *testing.T) {
	r := newMotoRig(t, motoOptions{noSecret: true, keyCache: []secretcache.Option{secretcache.WithFailureTTL(motoFailureTTL)}})
	got := r.send(t, sample(t, "webhook-ticket-created.json"))
	if got.Status != 503 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	line := r.lastLog(t)
	if line["dependency"] != "secretsmanager" || line["aws_error"] != "ResourceNotFoundException" {
		t.Errorf("log line %v", line)
	}
	if n := r.count(t); n != 0 {
		t.Errorf("%d items stored without a key", n)
	}
	// Once the secret exists the next delivery goes through, as soon as the
	// cache has forgotten the failure.
	r.putSecret(t, localKey)
	time.Sleep(motoFailureTTL)
	if got := r.send(t, sample(t, "webhook-ticket-created.json")); got.Status != 200 {
		t.Fatalf("after the secret was created: %d %s", got.Status, got.Raw.Body)
	}
}

func TestMotoUnsignedNeverReachesAWS(t *testing.T) {
	r := newMotoRig(t, motoOptions{noSecret: true})
	// Without the secret any AWS call would answer 503: a 401 proves none was made.
	if got := r.send(t, sample(t, "webhook-unsigned.json")); got.Status != 401 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
}

func TestMotoKeyRotation(t *testing.T) {
	r := newMotoRig(t, motoOptions{secretValue: "old-key", keyCache: []secretcache.Option{secretcache.WithMinRefreshInterval(motoMinRefresh)}})
	env := baseline(t)
	deliver := func(ticketID, key string) reply {
		ticketOf(env)["ticket_id"] = ticketID
		return r.send(t, signed(t, mustJSON(t, env), key))
	}
	if got := deliver("T-1", "old-key"); got.Status != 200 {
		t.Fatalf("old key before rotation: %d %s", got.Status, got.Raw.Body)
	}
	fetched := time.Now() // the key was read during T-1
	// Rotated in Periskope's console and in the secret, current key first.
	r.putSecret(t, `{"signing_keys": ["new-key", "old-key"]}`)
	if got := deliver("T-2", "new-key"); got.Status != 401 {
		t.Fatalf("refresh within the minimum interval: %d, want 401 (refreshes are rate-limited)", got.Status)
	}
	time.Sleep(time.Until(fetched.Add(motoMinRefresh))) // past the minimum refresh interval, well within the TTL (the default, 5 minutes)
	if got := deliver("T-2", "new-key"); got.Status != 200 {
		t.Fatalf("new key after rotation: %d %s", got.Status, got.Raw.Body)
	}
	if got := deliver("T-3", "old-key"); got.Status != 200 {
		t.Fatalf("old key during rotation: %d %s", got.Status, got.Raw.Body)
	}
	if n := r.count(t); n != 3 {
		t.Errorf("%d items, want 3", n)
	}
}

// A revoked secret stops the old key at the next refresh: deleted, or
// changed to a value that does not parse. Deliveries get 503 (Periskope
// redelivers) until the secret is good again.
func TestMotoRevokedSecretIs503(t *testing.T) {
	revocations := []struct {
		name   string
		revoke func(t *testing.T, r *motoRig)
		code   string
	}{
		{"secret deleted", func(t *testing.T, r *motoRig) {
			_, err := r.sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{
				SecretId: aws.String(motoSecret), ForceDeleteWithoutRecovery: aws.Bool(true),
			})
			if err != nil {
				t.Fatal(err)
			}
		}, "ResourceNotFoundException"},
		{"value changed to junk", func(t *testing.T, r *motoRig) { r.putSecret(t, `{"signing_keys": "`) }, "MalformedSecret"},
		{"empty key list", func(t *testing.T, r *motoRig) { r.putSecret(t, `{"signing_keys": []}`) }, "MalformedSecret"},
	}
	for _, rv := range revocations {
		t.Run(rv.name, func(t *testing.T) {
			r := newMotoRig(t, motoOptions{keyCache: []secretcache.Option{secretcache.WithTTL(motoKeyTTL),
				secretcache.WithMinRefreshInterval(motoKeyTTL), secretcache.WithFailureTTL(motoFailureTTL)}})
			req := sample(t, "webhook-ticket-created.json")
			if got := r.send(t, req); got.Status != 200 {
				t.Fatalf("warm-up: %d %s", got.Status, got.Raw.Body)
			}
			rv.revoke(t, r)
			time.Sleep(motoKeyTTL)
			for i := range 3 {
				if got := r.send(t, req); got.Status != 503 || got.ErrCode != "dependency_unavailable" {
					t.Fatalf("delivery %d after the revocation: %d %s, want 503", i, got.Status, got.Raw.Body)
				}
				if line := r.lastLog(t); line["dependency"] != "secretsmanager" || line["aws_error"] != rv.code {
					t.Errorf("log line %v, want secretsmanager %s", line, rv.code)
				}
				time.Sleep(motoFailureTTL / 20) // remembered meanwhile
			}
			if !strings.Contains(r.log.String(), `"msg":"secret refresh failed"`) {
				t.Errorf("no WARN line for the failed refresh in %s", r.log.String())
			}
			r.putSecret(t, localKey)
			time.Sleep(motoFailureTTL)
			if got := r.send(t, req); got.Status != 200 {
				t.Fatalf("after the secret was fixed: %d %s", got.Status, got.Raw.Body)
			}
		})
	}
}

// An outage (Secrets Manager unreachable) keeps the cached key working for
// MaxStale past its TTL, and no longer.
func TestMotoStaleKeysServedDuringAnOutage(t *testing.T) {
	// maxStale outlasts stopping moto_server on a loaded machine (the stale
	// key must still be served after it); MaxStale itself is secretcache's
	// test.
	const maxStale = 5 * time.Second
	r := newMotoRig(t, motoOptions{keyCache: []secretcache.Option{secretcache.WithTTL(motoKeyTTL), secretcache.WithMaxStale(maxStale)}})
	// ticket.updated is verified but not stored: DynamoDB, down too, is not needed.
	req := sample(t, "webhook-ticket-updated.json")
	if got := r.send(t, req); got.Status != 200 {
		t.Fatalf("warm-up: %d %s", got.Status, got.Raw.Body)
	}
	warmed := time.Now() // after the fetch
	r.srv.Stop()
	time.Sleep(time.Until(warmed.Add(motoKeyTTL)))
	if got := r.send(t, req); got.Status != 200 {
		t.Fatalf("Secrets Manager down after the TTL: %d %s, want the cached key to verify", got.Status, got.Raw.Body)
	}
	time.Sleep(time.Until(warmed.Add(motoKeyTTL + maxStale)))
	if got := r.send(t, req); got.Status != 503 {
		t.Fatalf("Secrets Manager down MaxStale past the TTL: %d %s, want 503", got.Status, got.Raw.Body)
	}
}

// Junk signatures with the secret unreadable cost at most two secret reads
// per hundred requests: the failure is remembered.
func TestMotoJunkFloodWithAMissingSecret(t *testing.T) {
	r := newMotoRig(t, motoOptions{noSecret: true})
	for i := range 100 {
		req := signed(t, []byte(`{"event":"ticket.created"}`), "not-the-key")
		if got := r.send(t, req); got.Status != 503 {
			t.Fatalf("request %d: %d %s", i, got.Status, got.Raw.Body)
		}
		time.Sleep(20 * time.Millisecond) // 2 s in all, within DefaultFailureTTL
	}
	if n := r.calls.get("GetSecretValue"); n < 1 || n > 2 {
		t.Errorf("%d GetSecretValue calls for 100 junk requests, want 1 or 2", n)
	}
}

func TestMotoServerDown(t *testing.T) {
	t.Run("cold: Secrets Manager unreachable", func(t *testing.T) {
		r := newMotoRig(t, motoOptions{})
		r.srv.Stop()
		if got := r.send(t, sample(t, "webhook-ticket-created.json")); got.Status != 503 {
			t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
		}
		if line := r.lastLog(t); line["dependency"] != "secretsmanager" {
			t.Errorf("log line %v", line)
		}
	})
	t.Run("warm: DynamoDB unreachable", func(t *testing.T) {
		r := newMotoRig(t, motoOptions{})
		if got := r.send(t, sample(t, "webhook-ticket-updated.json")); got.Status != 200 { // caches the key
			t.Fatalf("warm-up: %d", got.Status)
		}
		r.srv.Stop()
		if got := r.send(t, sample(t, "webhook-ticket-created.json")); got.Status != 503 {
			t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
		}
		if line := r.lastLog(t); line["dependency"] != "dynamodb" {
			t.Errorf("log line %v", line)
		}
	})
}

// The largest body the handler accepts makes an item DynamoDB accepts, even
// when the body is almost all subject (stored twice: in data and on top).
func TestMotoLargestBodyStores(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	env := baseline(t)
	delete(env["data"].(map[string]any), "chat")
	delete(env["data"].(map[string]any), "attached_messages")
	ticketOf(env)["ticket_id"] = strings.Repeat("I", 1024)
	env["org_id"] = strings.Repeat("o", 256)
	ticketOf(env)["subject"] = ""
	pad := webhook.DefaultMaxBodyBytes - len(mustJSON(t, env))
	ticketOf(env)["subject"] = strings.Repeat("s", pad)
	body := mustJSON(t, env)
	if len(body) != webhook.DefaultMaxBodyBytes {
		t.Fatalf("body is %d bytes, want exactly %d", len(body), webhook.DefaultMaxBodyBytes)
	}
	if got := r.send(t, signed(t, body, localKey)); got.Status != 200 || got.Body["status"] != "stored" {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
}

// Ids that would collapse into one item ("\ud800" and "\udfff" both read as
// U+FFFD) or be stored as a number's text are refused before DynamoDB; a
// valid surrogate pair is stored under exactly its character.
func TestMotoIdentifiersAreStoredExactly(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	const placeholder = "TICKET-ID-UNDER-TEST"
	deliver := func(rawID string) reply {
		env := baseline(t)
		ticketOf(env)["ticket_id"] = placeholder
		body := bytes.Replace(mustJSON(t, env), []byte(`"`+placeholder+`"`), []byte(rawID), 1)
		return r.send(t, signed(t, body, localKey))
	}
	for _, id := range []string{`"\ud800"`, `"\udfff"`, `100`, `1e2`, `100.0`} {
		if got := deliver(id); got.Status != 400 || got.ErrCode != "invalid_field" || got.ErrField != "data.ticket.ticket_id" {
			t.Errorf("ticket_id %s: answer %d %s", id, got.Status, got.Raw.Body)
		}
	}
	if n := r.count(t); n != 0 {
		t.Fatalf("%d items stored for refused ids", n)
	}
	if got := deliver(`"\ud83d\ude00"`); got.Status != 200 || got.Body["status"] != "stored" {
		t.Fatalf("surrogate pair: answer %d %s", got.Status, got.Raw.Body)
	}
	if item := r.item(t, "2997xx64-89bf-48d3-9a22-b314fxx017e5", "\U0001F600"); str(item, "ticket_id") != "\U0001F600" {
		t.Errorf("item %v, want ticket_id U+1F600", item)
	}
}

// Large-group deliveries, signed, are stored in the template's table:
// the data text when the item fits DynamoDB's 400 KB limit, else gzipped;
// either way read back byte for byte. Before, the 192 KiB body cap answered
// 413 to all three and the ticket was lost.
func TestMotoLargeGroupsAreStored(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	for _, tc := range []struct {
		name              string
		members, messages int
		form              string // the attribute data is kept in
	}{
		{"450 members", 450, 20, "data"},
		{"1,024 members", samples.WhatsAppMaxGroupMembers, 100, "data_gz"},
		{"5 MB", 11300, 100, "data_gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := samples.LargeGroup(tc.members, tc.messages)
			got := r.send(t, signed(t, body, localKey))
			if got.Status != 200 || got.Body["status"] != "stored" {
				t.Fatalf("%d-byte delivery: answer %d %s", len(body), got.Status, got.Raw.Body)
			}
			item := r.item(t, samples.LargeGroupOrgID, samples.LargeGroupTicketID(tc.members, tc.messages))
			if item[tc.form] == nil {
				t.Fatalf("no %s attribute in the item", tc.form)
			}
			if item["members_truncated"] != nil {
				t.Error("members truncated although the compressed data fits")
			}
			stored, err := ticketstore.FromItem(item)
			if err != nil {
				t.Fatal(err)
			}
			var env struct{ Data json.RawMessage }
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored.Data, env.Data) {
				t.Error("data read back is not the delivery's data member byte for byte")
			}
			if stored.ChatID != samples.LargeGroupChatID || !slices.Contains(r.byChat(t, samples.LargeGroupChatID), ticketstore.Key(stored.OrgID, stored.TicketID)) {
				t.Errorf("ticket not listed under its chat: %+v", stored.ChatID)
			}
		})
	}
	if n := r.metrics.Get(webhook.MetricStored); n != 3 {
		t.Errorf("%s = %v, want 3", webhook.MetricStored, n)
	}
}

// A group too large for the item even gzipped is stored with its members
// cut, also when data arrives string-wrapped; before, the cut read data
// only as an object, and the string-wrapped delivery was answered 413.
func TestMotoStringWrappedLargeGroupIsStoredCut(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	env := baseline(t)
	names := make([]byte, 600<<10)
	rand.Read(names)
	env["data"].(map[string]any)["chat"].(map[string]any)["members"] = map[string]any{"x@c.us": map[string]any{"contact_name": hex.EncodeToString(names)}}
	env["data"] = string(mustJSON(t, env["data"]))
	got := r.send(t, signed(t, mustJSON(t, env), localKey))
	if got.Status != 200 || got.Body["status"] != "stored" {
		t.Fatalf("answer %d %.300s", got.Status, got.Raw.Body)
	}
	item := r.item(t, "2997xx64-89bf-48d3-9a22-b314fxx017e5", "TICKET-12345")
	stored, err := ticketstore.FromItem(item)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Chat struct{ Members map[string]any } `json:"chat"`
	}
	if err := json.Unmarshal(stored.Data, &info); err != nil || !stored.MembersTruncated || info.Chat.Members == nil || len(info.Chat.Members) != 0 {
		t.Errorf("stored data %.300s (truncated %v, %v): want the object with members {}", stored.Data, stored.MembersTruncated, err)
	}
}

// data may arrive as a JSON string holding the ticket info. Unquoting it
// to U+FFFD would turn the escapes "\ud800", "\udbff" and "\udfff" of that
// string into one id, so three tickets would be stored as one and the
// second and third answered "duplicate". Unwrapped, the text keeps each
// escape, so each id is refused naming data.ticket.ticket_id, as the same
// ids escaped inside the unwrapped text are, and nothing is stored. A
// subject cut mid-emoji (an unpaired surrogate of the string) is stored
// with U+FFFD, as in an object, and so is an ordinary id.
func TestMotoStringWrappedDataKeepsIdsApart(t *testing.T) {
	r := newMotoRig(t, motoOptions{})
	const idPlaceholder, subjectPlaceholder, dataPlaceholder = "TICKET-ID-UNDER-TEST", "SUBJECT-UNDER-TEST", "DATA-UNDER-TEST"
	deliver := func(idInWrappedText, subjectInWrappedText string) reply {
		env := baseline(t)
		ticketOf(env)["ticket_id"] = idPlaceholder
		ticketOf(env)["subject"] = subjectPlaceholder
		wrapped, err := json.Marshal(string(mustJSON(t, env["data"])))
		if err != nil {
			t.Fatal(err)
		}
		wrapped = bytes.Replace(wrapped, []byte(idPlaceholder), []byte(idInWrappedText), 1)
		wrapped = bytes.Replace(wrapped, []byte(subjectPlaceholder), []byte(subjectInWrappedText), 1)
		env["data"] = dataPlaceholder
		body := bytes.Replace(mustJSON(t, env), []byte(`"`+dataPlaceholder+`"`), wrapped, 1)
		return r.send(t, signed(t, body, localKey))
	}
	for _, id := range []string{`\ud800`, `\udbff`, `\udfff`, `\\ud800`, `\\udfff`} {
		got := deliver(id, "s")
		if got.Status != 400 || got.ErrCode != "invalid_field" || got.ErrField != "data.ticket.ticket_id" {
			t.Errorf("ticket_id %s in string-wrapped data: answer %d %s; want 400 invalid_field naming data.ticket.ticket_id", id, got.Status, got.Raw.Body)
		}
	}
	if n := r.count(t); n != 0 {
		t.Fatalf("%d items stored for refused ids", n)
	}
	if got := deliver("BKT-7", `Order \ud83d`); got.Status != 200 || got.Body["status"] != "stored" {
		t.Fatalf("subject cut mid-emoji in string-wrapped data: answer %d %s", got.Status, got.Raw.Body)
	}
	item := r.item(t, "2997xx64-89bf-48d3-9a22-b314fxx017e5", "BKT-7")
	if str(item, "ticket_id") != "BKT-7" || str(item, "subject") != "Order \uFFFD" {
		t.Errorf("item %v, want ticket_id BKT-7, subject %q", item, "Order \uFFFD")
	}
	if got := deliver("BKT-8", "s"); got.Status != 200 || got.Body["status"] != "stored" {
		t.Fatalf("ordinary id in string-wrapped data: answer %d %s", got.Status, got.Raw.Body)
	}
}
