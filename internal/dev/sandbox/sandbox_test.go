package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// fixedNow is when the tests that check times run: atFixedNow.
var fixedNow = time.Date(2026, 11, 22, 3, 2, 25, 123456000, time.UTC)

// atFixedNow runs f in a synctest bubble whose clock reads fixedNow, and
// moves only when every goroutine of the bubble waits.
func atFixedNow(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			time.Sleep(time.Until(fixedNow))
			f(t)
		})
	}
}

func newSandbox(t *testing.T, mutate func(*sandbox.Config)) *sandbox.Sandbox {
	t.Helper()
	var cfg sandbox.Config
	if mutate != nil {
		mutate(&cfg)
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// call sends one request to h with the default key and phone unless the
// headers say otherwise ("" deletes one).
func call(t *testing.T, h http.Handler, method, target, body string, headers map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+local.APIKey)
	r.Header.Set("x-phone", "919876543210")
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func decodeBody[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	return v
}

type errorBody struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

const validCreate = `{"chat_id":"919537851844@c.us","subject":"Broken tap","labels":"plumbing, urgent","assignee":"agent@example.com","quoted_message_id":"3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B","due_date":"2026-12-01","priority":"3","status":"inprogress"}`

// mutate returns validCreate with one field set (or removed when value is nil).
func mutate(t *testing.T, field string, value any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(validCreate), &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestCreateValidatesRequests(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		headers  map[string]string
		status   int
		wantCode string
	}{
		{"valid", validCreate, nil, 200, ""},
		{"only the required fields", `{"chat_id":"120363392071406466@g.us","subject":"x"}`, nil, 200, ""},
		{"a phone id instead of a number", validCreate, map[string]string{"x-phone": "phone-bqzvyibhmwkaergr"}, 200, ""},
		{"no Authorization", validCreate, map[string]string{"Authorization": ""}, 401, "unauthorized"},
		{"wrong key", validCreate, map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
		{"not a bearer", validCreate, map[string]string{"Authorization": "Basic " + local.APIKey}, 401, "unauthorized"},
		{"no x-phone", validCreate, map[string]string{"x-phone": ""}, 400, "invalid_phone"},
		{"x-phone with formatting", validCreate, map[string]string{"x-phone": "+91 98765 43210"}, 400, "invalid_phone"},
		{"no chat_id", mutate(t, "chat_id", nil), nil, 400, "invalid_request"},
		{"chat_id without suffix", mutate(t, "chat_id", "919537851844"), nil, 400, "invalid_request"},
		{"chat_id not a string", mutate(t, "chat_id", 919537851844), nil, 400, "invalid_request"},
		{"no subject", mutate(t, "subject", nil), nil, 400, "invalid_request"},
		{"blank subject", mutate(t, "subject", "  "), nil, 400, "invalid_request"},
		{"priority 5", mutate(t, "priority", "5"), nil, 400, "invalid_request"},
		{"priority as a number", mutate(t, "priority", 2), nil, 400, "invalid_request"},
		{"unknown status", mutate(t, "status", "done"), nil, 400, "invalid_request"},
		{"due_date not a date", mutate(t, "due_date", "next week"), nil, 400, "invalid_request"},
		{"assignee not an email", mutate(t, "assignee", "nobody"), nil, 400, "invalid_request"},
		{"not JSON", `{"chat_id":`, nil, 400, "invalid_request"},
		{"text/plain", validCreate, map[string]string{"Content-Type": "text/plain"}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t, nil)
			resp := call(t, sb, "POST", "/v1/tickets/create", tt.body, tt.headers)
			if resp.StatusCode != tt.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d %s, want %d", resp.StatusCode, b, tt.status)
			}
			for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "x-periskope-trace-id", "x-periskope-org-id", "x-periskope-phone-id"} {
				if resp.Header.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			if tt.wantCode == "" {
				return
			}
			e := decodeBody[errorBody](t, resp)
			if e.Code != tt.wantCode || e.Message == "" {
				t.Errorf("error body %+v, want code %s and a message", e, tt.wantCode)
			}
			if got := sb.Stats().TicketsCreated; got != 0 {
				t.Errorf("a refused create made %d tickets", got)
			}
		})
	}
}

// The create answer has exactly the fields of the seed 200 example, at
// every level, and the values of the request.
func TestCreateAnswersLikeTheSeedExample(t *testing.T) {
	atFixedNow(testCreateAnswersLikeTheSeedExample)(t)
}

func testCreateAnswersLikeTheSeedExample(t *testing.T) {
	sb := newSandbox(t, nil)
	resp := call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	got := decodeBody[map[string]any](t, resp)

	var want map[string]any
	if err := json.Unmarshal(periskopetest.Example("createTicket", http.StatusOK), &want); err != nil {
		t.Fatalf("the seed spec's 200 example of createTicket: %v", err)
	}
	sameKeys(t, "info", got, want)
	sameKeys(t, "ticket", got["ticket"], want["ticket"])
	sameKeys(t, "chat", got["chat"], want["chat"])
	sameKeys(t, "message", got["message"], want["message"])
	member := func(m any) any {
		for _, v := range m.(map[string]any)["members"].(map[string]any) {
			return v
		}
		return nil
	}
	sameKeys(t, "member", member(got["chat"]), member(want["chat"]))

	ticket := got["ticket"].(map[string]any)
	wantTicket := map[string]any{
		"ticket_id": "LOC-001", "subject": "Broken tap", "status": "inprogress", "priority": 3.0,
		"assignee": "agent@example.com", "due_date": "2026-12-01", "ticket_labels": "plumbing, urgent",
		"quoted_message_id": "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B", "org_id": sandbox.DefaultOrgID,
		"created_at": "2026-11-22T03:02:25.123456+00:00", "is_deleted": false,
	}
	for k, v := range wantTicket {
		if ticket[k] != v {
			t.Errorf("ticket.%s = %v, want %v", k, ticket[k], v)
		}
	}
	if chat := got["chat"].(map[string]any); chat["chat_id"] != "919537851844@c.us" || chat["org_id"] != sandbox.DefaultOrgID {
		t.Errorf("chat = %v", chat)
	}
	// The library parses it.
	b, _ := json.Marshal(got)
	ev := []byte(`{"event":"ticket.created","org_id":"o","data":` + string(b) + `}`)
	parsed, err := periskope.ParseEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := parsed.TicketInfo(); err != nil || info.Ticket.TicketID != "LOC-001" || info.Ticket.Priority != periskope.PriorityHigh {
		t.Errorf("library parse: %+v %v", info, err)
	}
}

func sameKeys(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := got.(map[string]any)
	w, _ := want.(map[string]any)
	if g == nil || w == nil {
		t.Errorf("%s: got %T, want %T objects", what, got, want)
		return
	}
	gk, wk := slices.Sorted(maps.Keys(g)), slices.Sorted(maps.Keys(w))
	if !slices.Equal(gk, wk) {
		t.Errorf("%s keys = %v, want the seed's %v", what, gk, wk)
	}
}

func TestTicketsGetList(t *testing.T) {
	sb := newSandbox(t, nil)
	for _, subject := range []string{"first", "second", "third"} {
		resp := call(t, sb, "POST", "/v1/tickets/create", `{"chat_id":"919537851844@c.us","subject":"`+subject+`"}`, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("create %s: %d", subject, resp.StatusCode)
		}
	}
	type info struct {
		Ticket struct {
			TicketID string `json:"ticket_id"`
			Subject  string `json:"subject"`
			Status   string `json:"status"`
			Priority int    `json:"priority"`
		} `json:"ticket"`
	}

	got := decodeBody[info](t, call(t, sb, "GET", "/v1/tickets/LOC-002", "", nil))
	if got.Ticket.TicketID != "LOC-002" || got.Ticket.Subject != "second" || got.Ticket.Status != "open" || got.Ticket.Priority != 1 {
		t.Errorf("GET LOC-002 = %+v", got.Ticket)
	}
	if resp := call(t, sb, "GET", "/v1/tickets/LOC-999", "", nil); resp.StatusCode != 404 || decodeBody[errorBody](t, resp).Code != "not_found" {
		t.Errorf("GET LOC-999: %d", resp.StatusCode)
	}

	// Nothing uses an update against the sandbox: it serves none.
	if resp := call(t, sb, "PATCH", "/v1/tickets/LOC-001", `{"status":"closed"}`, nil); resp.StatusCode != 404 {
		t.Errorf("PATCH LOC-001: %d, want 404", resp.StatusCode)
	}

	type page struct {
		Count, From, To int
		Tickets         []struct {
			TicketID string `json:"ticket_id"`
		}
	}
	p := decodeBody[page](t, call(t, sb, "GET", "/v1/tickets?offset=1&limit=1", "", nil))
	if p.Count != 3 || p.From != 2 || p.To != 2 || len(p.Tickets) != 1 || p.Tickets[0].TicketID != "LOC-002" {
		t.Errorf("list offset=1 limit=1 = %+v", p)
	}
	if resp := call(t, sb, "GET", "/v1/tickets?limit=0", "", nil); resp.StatusCode != 400 {
		t.Errorf("list limit=0: %d, want 400", resp.StatusCode)
	}
	if resp := call(t, sb, "GET", "/v1/tickets", "", map[string]string{"Authorization": ""}); resp.StatusCode != 401 {
		t.Errorf("list without a key: %d, want 401", resp.StatusCode)
	}
	if resp := call(t, sb, "GET", "/v1/chats", "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown endpoint: %d, want 404", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) { atFixedNow(testFaults)(t) }

func testFaults(t *testing.T) {
	sb := newSandbox(t, nil)
	create := func() *http.Response { return call(t, sb, "POST", "/v1/tickets/create", validCreate, nil) }

	if err := sb.InjectFault(sandbox.Fault{Kind: sandbox.FaultRateLimit, Count: 2, RetryAfterMs: 2500}); err != nil {
		t.Fatal(err)
	}
	if err := sb.InjectFault(sandbox.Fault{Kind: sandbox.FaultServerError}); err != nil {
		t.Fatal(err)
	}
	if got := sb.Stats().FaultsPending; got != 3 {
		t.Errorf("FaultsPending = %d, want 3", got)
	}
	wantReset := strconv.FormatInt(fixedNow.Add(3*time.Second).Truncate(time.Second).Unix(), 10) // 2.5s rounded up
	for i := range 2 {
		resp := create()
		if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Reset") != wantReset || resp.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("create %d: %d reset %s, want 429 reset %s", i, resp.StatusCode, resp.Header.Get("X-RateLimit-Reset"), wantReset)
		}
		if e := decodeBody[errorBody](t, resp); e.Code != "rate_limited" {
			t.Errorf("429 body %+v", e)
		}
	}
	if resp := create(); resp.StatusCode != 500 || decodeBody[errorBody](t, resp).Code != "internal_error" {
		t.Errorf("third create: %d, want 500", resp.StatusCode)
	}
	if resp := create(); resp.StatusCode != 200 {
		t.Errorf("create after the faults: %d, want 200", resp.StatusCode)
	}
	if err := sb.InjectFault(sandbox.Fault{Kind: sandbox.FaultHang, DelayMs: 20}); err != nil {
		t.Fatal(err)
	}
	if resp := create(); resp.StatusCode != 200 {
		t.Errorf("create after a hang: %d, want 200", resp.StatusCode)
	}
	st := sb.Stats()
	if st.CreatesReceived != 5 || st.TicketsCreated != 2 || st.FaultsInjected != 4 || st.FaultsPending != 0 {
		t.Errorf("stats = %+v", st)
	}
	if err := sb.InjectFault(sandbox.Fault{Kind: "teapot"}); err == nil {
		t.Error("an unknown fault kind was accepted")
	}
}

func TestAdminEndpoints(t *testing.T) {
	sb := newSandbox(t, nil)
	post := func(target, body string) *http.Response {
		return call(t, sb, "POST", target, body, nil)
	}
	if resp := post("/__sandbox/faults", `[{"kind":"server_error","count":2},{"kind":"hang","delay_ms":1}]`); resp.StatusCode != 200 {
		t.Fatalf("add faults: %d", resp.StatusCode)
	}
	if resp := post("/__sandbox/faults", `{"kind":"rate_limit"}`); resp.StatusCode != 200 {
		t.Fatalf("add one fault: %d", resp.StatusCode)
	}
	if resp := post("/__sandbox/faults", `{"kind":"nope"}`); resp.StatusCode != 400 {
		t.Errorf("bad fault: %d, want 400", resp.StatusCode)
	}
	// A list with a bad fault queues none of them.
	if resp := post("/__sandbox/faults", `[{"kind":"server_error"},{"kind":"nope"}]`); resp.StatusCode != 400 {
		t.Errorf("list with a bad fault: %d, want 400", resp.StatusCode)
	}
	stats := decodeBody[sandbox.Stats](t, call(t, sb, "GET", "/__sandbox/stats", "", nil))
	if stats.FaultsPending != 4 {
		t.Errorf("faults_pending = %d, want 4", stats.FaultsPending)
	}
	if resp := post("/v1/tickets/create", validCreate); resp.StatusCode != 500 {
		t.Errorf("create with a fault: %d", resp.StatusCode)
	}
	call(t, sb, "DELETE", "/__sandbox/faults", "", nil)
	if resp := post("/v1/tickets/create", validCreate); resp.StatusCode != 200 {
		t.Errorf("create after clearing faults: %d", resp.StatusCode)
	}
	post("/__sandbox/reset", "")
	type created struct {
		Ticket struct {
			TicketID string `json:"ticket_id"`
		} `json:"ticket"`
	}
	if resp := post("/v1/tickets/create", validCreate); decodeBody[created](t, resp).Ticket.TicketID != "LOC-001" {
		t.Error("ids did not restart after reset")
	}
}

// receiver is a webhook endpoint that verifies signatures with the
// library and answers the statuses it is given, then 200. It is on the
// in-memory network of httptest.NewTestServer (usable in a synctest
// bubble); the sandbox reaches it through srv.Client().
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	statuses chan int
	bodies   chan []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{t: t, statuses: make(chan int, len(statuses)), bodies: make(chan []byte, 100)}
	for _, s := range statuses {
		rc.statuses <- s
	}
	rc.srv = httptest.NewTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := periskope.Verify(body, r.Header.Get(periskope.SignatureHeader), local.SigningKey); err != nil {
			t.Errorf("delivery signature: %v", err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("delivery Content-Type %q", ct)
		}
		rc.bodies <- body
		select {
		case s := <-rc.statuses:
			w.WriteHeader(s)
		default:
		}
	}))
	rc.srv.Client() // sets srv.URL
	return rc
}

// fastRetries delivers to rc in up to attempts attempts, a few
// milliseconds apart.
func fastRetries(rc *receiver, attempts int) func(*sandbox.Config) {
	return func(c *sandbox.Config) {
		c.WebhookURL, c.HTTPClient = rc.srv.URL, rc.srv.Client()
		c.Delivery = sandbox.DeliveryPolicy{MaxAttempts: attempts, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	}
}

func waitDeliveries(t *testing.T, sb *sandbox.Sandbox) sandbox.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sb.WaitDeliveries(ctx); err != nil {
		t.Fatalf("deliveries still pending: %+v", sb.Stats())
	}
	return sb.Stats()
}

func TestCreateDeliversASignedTicketCreated(t *testing.T) {
	atFixedNow(testCreateDeliversASignedTicketCreated)(t)
}

func testCreateDeliversASignedTicketCreated(t *testing.T) {
	rc := newReceiver(t)
	sb := newSandbox(t, fastRetries(rc, 3))
	resp := call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	answer, _ := io.ReadAll(resp.Body)
	st := waitDeliveries(t, sb)
	if st.DeliveriesAttempted != 1 || st.DeliveriesSucceeded != 1 || st.DeliveriesFailed != 0 {
		t.Errorf("stats = %+v", st)
	}
	body := <-rc.bodies
	ev, err := periskope.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != periskope.EventTicketCreated || ev.OrgID != sandbox.DefaultOrgID || string(ev.PreviousAttributes) != "{}" || ev.Timestamp != "2026-11-22T03:02:25.123456+00:00" {
		t.Errorf("envelope = %+v", ev)
	}
	// data is the very ticket info the create answered.
	if !jsonEqual(t, ev.Data, answer) {
		t.Errorf("data %s\ndiffers from the create answer %s", ev.Data, answer)
	}
}

func TestDeliveryRetriesThenSucceeds(t *testing.T) {
	rc := newReceiver(t, 500, 503)
	sb := newSandbox(t, fastRetries(rc, 5))
	call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	st := waitDeliveries(t, sb)
	if st.DeliveriesAttempted != 3 || st.DeliveriesSucceeded != 1 || st.DeliveriesFailed != 0 {
		t.Errorf("stats = %+v, want 3 attempts and a success", st)
	}
	first, second := <-rc.bodies, <-rc.bodies
	if !bytes.Equal(first, second) {
		t.Error("a retry must send the same body")
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	rc := newReceiver(t, 500, 500, 500, 500)
	sb := newSandbox(t, fastRetries(rc, 3))
	call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	if st := waitDeliveries(t, sb); st.DeliveriesAttempted != 3 || st.DeliveriesFailed != 1 || st.DeliveriesSucceeded != 0 {
		t.Errorf("stats = %+v, want 3 attempts then a failure", st)
	}
}

func TestDeliveryToANonListeningURLFails(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler()) // real sockets: the port refuses
	url := dead.URL
	dead.Close()
	sb := newSandbox(t, func(c *sandbox.Config) {
		c.WebhookURL = url
		c.Delivery = sandbox.DeliveryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	})
	call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	if st := waitDeliveries(t, sb); st.DeliveriesAttempted != 2 || st.DeliveriesFailed != 1 {
		t.Errorf("stats = %+v, want 2 attempts then a failure", st)
	}
}

func TestCloseStopsRetrying(t *testing.T) {
	rc := newReceiver(t, slices.Repeat([]int{500}, 1000)...)
	sb, err := sandbox.New(sandbox.Config{WebhookURL: rc.srv.URL, HTTPClient: rc.srv.Client(), Delivery: sandbox.DeliveryPolicy{MaxAttempts: 1000, BaseDelay: time.Hour, MaxDelay: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	<-rc.bodies // the first attempt happened; the next is an hour away
	sb.Close()
	if st := sb.Stats(); st.DeliveriesPending != 0 || st.DeliveriesFailed != 1 {
		t.Errorf("after Close: %+v", st)
	}
}

func TestNoWebhookURLNoDelivery(t *testing.T) {
	sb := newSandbox(t, nil)
	call(t, sb, "POST", "/v1/tickets/create", validCreate, nil)
	if st := sb.Stats(); st.DeliveriesAttempted != 0 || st.DeliveriesPending != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

func TestDropDeliveryFault(t *testing.T) {
	tests := []struct {
		name         string
		fault        sandbox.Fault
		receiverSays []int
		wantAttempts int // of the two deliveries
		wantOK       int
		wantDropped  int
	}{
		{"not sent at all", sandbox.Fault{Kind: sandbox.FaultDropDelivery}, nil, 1, 1, 1},
		{"given up after 2 failed attempts", sandbox.Fault{Kind: sandbox.FaultDropDelivery, Attempts: 2}, []int{503, 503}, 3, 1, 1},
		{"a success within the attempts is kept", sandbox.Fault{Kind: sandbox.FaultDropDelivery, Attempts: 2}, []int{503}, 3, 2, 0},
		{"two dropped", sandbox.Fault{Kind: sandbox.FaultDropDelivery, Count: 2}, nil, 0, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.receiverSays...)
			sb := newSandbox(t, fastRetries(rc, 5))
			if err := sb.InjectFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			// The delivery fault leaves the creates alone.
			for i := range 2 {
				if resp := call(t, sb, "POST", "/v1/tickets/create", validCreate, nil); resp.StatusCode != 200 {
					t.Fatalf("create %d: %d, want 200", i, resp.StatusCode)
				}
				waitDeliveries(t, sb) // in order: the second create's delivery sees the receiver's later answers
			}
			st := sb.Stats()
			if st.TicketsCreated != 2 || st.DeliveriesAttempted != tt.wantAttempts || st.DeliveriesSucceeded != tt.wantOK ||
				st.DeliveriesFailed != 2-tt.wantOK || st.DeliveriesDropped != tt.wantDropped || st.FaultsPending != 0 {
				t.Errorf("stats = %+v; want 2 created, %d attempts, %d delivered, %d dropped", st, tt.wantAttempts, tt.wantOK, tt.wantDropped)
			}
		})
	}
}

func TestDropDeliveryFaultOverHTTP(t *testing.T) {
	sb := newSandbox(t, nil)
	if resp := call(t, sb, "POST", "/__sandbox/faults", `{"kind":"drop_delivery","count":3,"attempts":2}`, nil); resp.StatusCode != 200 {
		t.Fatalf("add fault: %d", resp.StatusCode)
	}
	if resp := call(t, sb, "POST", "/__sandbox/faults", `{"kind":"drop_delivery","attempts":-1}`, nil); resp.StatusCode != 400 {
		t.Errorf("negative attempts: %d, want 400", resp.StatusCode)
	}
	if got := sb.Stats().FaultsPending; got != 3 {
		t.Errorf("faults_pending = %d, want 3", got)
	}
	call(t, sb, "DELETE", "/__sandbox/faults", "", nil)
	if got := sb.Stats().FaultsPending; got != 0 {
		t.Errorf("faults_pending after clearing = %d, want 0", got)
	}
}

func TestRateLimitWindowIsOneSecond(t *testing.T) { atFixedNow(testRateLimitWindowIsOneSecond)(t) }

func testRateLimitWindowIsOneSecond(t *testing.T) {
	sb := newSandbox(t, nil)
	list := func() *http.Response { return call(t, sb, "GET", "/v1/tickets", "", nil) }
	for i := 1; i <= 12; i++ {
		resp := list()
		wantRemaining := strconv.Itoa(max(10-i, 0))
		if got := resp.Header.Get("X-RateLimit-Remaining"); got != wantRemaining {
			t.Errorf("request %d: remaining %s, want %s", i, got, wantRemaining)
		}
		if got, want := resp.Header.Get("X-RateLimit-Reset"), strconv.FormatInt(fixedNow.Unix()+1, 10); got != want {
			t.Errorf("request %d: reset %s, want %s (the next second)", i, got, want)
		}
	}
	time.Sleep(time.Second)
	for range 3 {
		list()
	}
	if resp := list(); resp.Header.Get("X-RateLimit-Remaining") != "6" {
		t.Errorf("4th request of the next second: remaining %s, want 6", resp.Header.Get("X-RateLimit-Remaining"))
	}
	if st := sb.Stats(); st.APIRequests != 16 || st.MaxRequestsPerSecond != 12 {
		t.Errorf("stats = %+v, want 16 requests, at most 12 in one second", st)
	}
	sb.ResetCounters()
	list()
	if st := sb.Stats(); st.APIRequests != 1 || st.MaxRequestsPerSecond != 1 {
		t.Errorf("after ResetCounters: %+v, want 1 request, 1 per second", st)
	}
}
