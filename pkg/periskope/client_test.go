package periskope_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func ptr[T any](v T) *T { return &v }

// jsonEqual fails unless got and want are the same JSON value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}

func TestCreateTicketSendsEveryFieldPerSpec(t *testing.T) {
	example := createExample(t)
	api := newFakeAPI(t, always(http.StatusOK, example))
	c := newTestClient(t, api, periskope.WithUserAgent("periskope-test/1"))

	ti, err := c.CreateTicket(context.Background(), periskope.CreateTicketRequest{
		ChatID:          "120363392071406466@g.us",
		Subject:         "A simple subject",
		Labels:          "Test, Demo",
		Assignee:        "bharat@periskope.app",
		QuotedMessageID: "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B",
		DueDate:         "2025-04-20",
		Priority:        periskope.PriorityMedium,
		Status:          periskope.StatusInProgress,
	})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	reqs := api.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v1/tickets/create" || r.OperationID != "createTicket" {
		t.Errorf("request = %s %s (%s), want POST /v1/tickets/create (createTicket)", r.Method, r.Path, r.OperationID)
	}
	jsonEqual(t, r.Body, `{"chat_id":"120363392071406466@g.us","subject":"A simple subject","labels":"Test, Demo",
		"assignee":"bharat@periskope.app","quoted_message_id":"3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B",
		"due_date":"2025-04-20","priority":"2","status":"inprogress"}`)
	for header, want := range map[string]string{
		"Authorization": "Bearer " + testAPIKey,
		"X-Phone":       testPhone,
		"Content-Type":  "application/json",
		"Accept":        "application/json",
		"User-Agent":    "periskope-test/1",
	} {
		if got := r.Header.Get(header); got != want {
			t.Errorf("header %s = %q, want %q", header, got, want)
		}
	}

	// The answer is the spec's own 200 example.
	if !bytes.Equal(ti.Raw, example) {
		t.Errorf("Raw is not the exact answer")
	}
	if ti.TraceID != "trace-123" {
		t.Errorf("TraceID = %q", ti.TraceID)
	}
	tk := ti.Ticket
	if tk == nil || tk.TicketID != "BKT-001" || tk.Priority != periskope.PriorityMedium || tk.Status != "open" ||
		tk.OrgID != "2997dd64-89bf-48d3-9a22-b314fca017e5" || tk.RaisedBy != "" || !tk.DueDate.IsZero() ||
		tk.QuotedMessageID != "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B" || tk.TicketCustomProperties == nil {
		t.Errorf("Ticket = %+v", tk)
	}
	if want := time.Date(2025, 1, 26, 13, 46, 21, 670006000, time.UTC); !tk.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", tk.CreatedAt.Time, want)
	}
	ch := ti.Chat
	if ch == nil || ch.ChatType != "user" || ch.GroupDescription != "" || ch.InviteLink != "" || len(ch.Members) != 2 ||
		ch.CustomProperties["Custom Property 1"] != "hello" || ch.Members["918527184400@c.us"].ContactName != "Support" ||
		!ch.Members["918527184400@c.us"].IsInternal {
		t.Errorf("Chat = %+v", ch)
	}
	if m := ti.Message; m == nil || m.PerformedBy != "" || m.SenderPhone != "918527184400" || m.Timestamp.IsZero() ||
		!strings.HasPrefix(m.Body, "You have been invited") {
		t.Errorf("Message = %+v", m)
	}
	if ti.AttachedMessages == nil || len(ti.AttachedMessages) != 0 {
		t.Errorf("AttachedMessages = %#v, want empty", ti.AttachedMessages)
	}
}

func TestCreateTicketSendsOnlyWhatIsSet(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, createExample(t)))
	c := newTestClient(t, api, periskope.WithPhone("phone-bqzvyibhmwkaergr"))
	_, err := c.CreateTicket(context.Background(), periskope.CreateTicketRequest{ChatID: " 919537851844 ", Subject: "Hi"})
	if err != nil {
		t.Fatal(err)
	}
	r := api.Requests()[0]
	// Bare digits get @c.us as in the official SDK; empty fields and
	// PriorityNone are left out.
	jsonEqual(t, r.Body, `{"chat_id":"919537851844@c.us","subject":"Hi"}`)
	if got := r.Header.Get("x-phone"); got != "phone-bqzvyibhmwkaergr" {
		t.Errorf("x-phone = %q", got)
	}
}

func TestRequestsRejectedBeforeSending(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, createExample(t)))
	c := newTestClient(t, api)
	ctx := context.Background()
	valid := periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: "s"}
	mutate := func(f func(*periskope.CreateTicketRequest)) periskope.CreateTicketRequest {
		r := valid
		f(&r)
		return r
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"create without chat_id", func() error {
			_, err := c.CreateTicket(ctx, mutate(func(r *periskope.CreateTicketRequest) { r.ChatID = " " }))
			return err
		}, "chat_id"},
		{"create without subject", func() error {
			_, err := c.CreateTicket(ctx, mutate(func(r *periskope.CreateTicketRequest) { r.Subject = "" }))
			return err
		}, "subject"},
		{"create with priority 5", func() error {
			_, err := c.CreateTicket(ctx, mutate(func(r *periskope.CreateTicketRequest) { r.Priority = 5 }))
			return err
		}, "priority"},
		{"create with unknown status", func() error {
			_, err := c.CreateTicket(ctx, mutate(func(r *periskope.CreateTicketRequest) { r.Status = "pending" }))
			return err
		}, "status"},
		{"get without id", func() error { _, err := c.GetTicket(ctx, ""); return err }, "ticket_id"},
		{"update without id", func() error {
			_, err := c.UpdateTicket(ctx, " ", periskope.UpdateTicketRequest{Subject: ptr("x")})
			return err
		}, "ticket_id"},
		{"update with nothing", func() error {
			_, err := c.UpdateTicket(ctx, "BKT-001", periskope.UpdateTicketRequest{})
			return err
		}, "body"},
		{"update with priority 0", func() error {
			_, err := c.UpdateTicket(ctx, "BKT-001", periskope.UpdateTicketRequest{Priority: ptr(periskope.PriorityNone)})
			return err
		}, "priority"},
		{"update with unknown status", func() error {
			_, err := c.UpdateTicket(ctx, "BKT-001", periskope.UpdateTicketRequest{Status: ptr("done")})
			return err
		}, "status"},
		{"list with negative offset", func() error {
			_, err := c.ListTickets(ctx, periskope.ListTicketsParams{Offset: -1})
			return err
		}, "offset"},
		{"list with negative limit", func() error {
			_, err := c.ListTickets(ctx, periskope.ListTicketsParams{Limit: -1})
			return err
		}, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if periskope.ValidationField(err) != tt.field {
				t.Fatalf("err = %v, want a validation error on %s", err, tt.field)
			}
			if !errors.Is(err, periskope.ErrInvalidRequest) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("err %q does not match ErrInvalidRequest or name the field", err)
			}
		})
	}
	if n := api.Count(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestGetTicket(t *testing.T) {
	info := fixture(t, "ticket-info.json")
	api := newFakeAPI(t, always(http.StatusOK, info))
	c := newTestClient(t, api)

	ti, err := c.GetTicket(context.Background(), "TICKET-12345")
	if err != nil {
		t.Fatal(err)
	}
	r := api.Requests()[0]
	if r.Method != http.MethodGet || r.Path != "/v1/tickets/TICKET-12345" || r.OperationID != "getTicketById" || len(r.Body) != 0 {
		t.Errorf("request = %s %s (%s) body %q", r.Method, r.Path, r.OperationID, r.Body)
	}
	if ti.Ticket == nil || ti.Ticket.TicketID != "TICKET-12345" || ti.Ticket.ClosedBy != "closedby@example.com" ||
		ti.Ticket.TicketCustomProperties["property-2"] != "value-2" || len(ti.AttachedMessages) != 2 ||
		ti.AttachedMessages[1].Body != "attached message 1" || !bytes.Equal(ti.Raw, info) {
		t.Errorf("TicketInfo = %+v", ti)
	}
	if want := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC); !ti.Ticket.DueDate.Equal(want) {
		t.Errorf("DueDate = %v", ti.Ticket.DueDate)
	}
}

func TestGetTicketEscapesTheID(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, []byte(`{"ticket":{"ticket_id":"BKT 1?#"}}`)))
	c := newTestClient(t, api)
	ti, err := c.GetTicket(context.Background(), "BKT 1?#")
	if err != nil {
		t.Fatal(err)
	}
	// "?" and "#" stayed in the path instead of starting a query or fragment.
	if r := api.Requests()[0]; r.Path != "/v1/tickets/BKT 1?#" || r.Query != "" || r.OperationID != "getTicketById" {
		t.Errorf("request path %q query %q matched %q", r.Path, r.Query, r.OperationID)
	}
	if ti.Ticket.TicketID != "BKT 1?#" {
		t.Errorf("TicketID = %q", ti.Ticket.TicketID)
	}
}

func TestUpdateTicket(t *testing.T) {
	// PATCH answers are not documented; a bare ticket is accepted too.
	answer := []byte(`{"ticket_id":"BKT-001","status":"closed","priority":"3","closed_at":"2025-02-01 10:00:00+00"}`)
	api := newFakeAPI(t, always(http.StatusOK, answer))
	c := newTestClient(t, api)
	ti, err := c.UpdateTicket(context.Background(), "BKT-001", periskope.UpdateTicketRequest{
		Status:   ptr(periskope.StatusClosed),
		Priority: ptr(periskope.PriorityHigh),
		Assignee: ptr(""), // set, so sent: it unassigns
	})
	if err != nil {
		t.Fatal(err)
	}
	r := api.Requests()[0]
	if r.Method != http.MethodPatch || r.Path != "/v1/tickets/BKT-001" || r.OperationID != "updateTicket" {
		t.Errorf("request = %s %s (%s)", r.Method, r.Path, r.OperationID)
	}
	jsonEqual(t, r.Body, `{"status":"closed","priority":"3","assignee":""}`)
	if ti.Ticket == nil || ti.Ticket.Status != "closed" || ti.Ticket.Priority != periskope.PriorityHigh ||
		ti.Ticket.ClosedAt.Year() != 2025 || ti.Chat != nil || !bytes.Equal(ti.Raw, answer) {
		t.Errorf("TicketInfo = %+v, Ticket = %+v", ti, ti.Ticket)
	}
}

func TestListTickets(t *testing.T) {
	list := fixture(t, "ticket-list.json")
	api := newFakeAPI(t, always(http.StatusOK, list))
	c := newTestClient(t, api)

	page, err := c.ListTickets(context.Background(), periskope.ListTicketsParams{Offset: 20, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTickets(context.Background(), periskope.ListTicketsParams{}); err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	if reqs[0].Path != "/v1/tickets" || reqs[0].Query != "limit=10&offset=20" || reqs[0].OperationID != "getTickets" {
		t.Errorf("first request = %s?%s (%s)", reqs[0].Path, reqs[0].Query, reqs[0].OperationID)
	}
	if reqs[1].Query != "" {
		t.Errorf("zero params sent query %q", reqs[1].Query)
	}
	if page.Count != 2 || page.From != 1 || page.To != 2 || len(page.Tickets) != 2 || !bytes.Equal(page.Raw, list) || page.TraceID != "trace-123" {
		t.Fatalf("page = %+v", page)
	}
	tk := page.Tickets[0]
	if tk.TicketID != "BKT-002" || tk.ChatID != "918527184400@c.us" || tk.Priority != periskope.PriorityNone ||
		tk.AssignedBy != "" || !tk.DueDate.IsZero() || !tk.ClosedAt.IsZero() || tk.LastUpdatedAt.IsZero() {
		t.Errorf("ticket = %+v", tk)
	}
}

func TestListTicketsAcceptsABareArray(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, []byte(`[{"ticket_id":"BKT-1"}, null, 3, {"ticket_id":"BKT-2"}]`)))
	c := newTestClient(t, api)
	page, err := c.ListTickets(context.Background(), periskope.ListTicketsParams{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != 2 || len(page.Tickets) != 2 || page.Tickets[1].TicketID != "BKT-2" {
		t.Errorf("page = %+v", page)
	}
}

func TestMalformedAnswers(t *testing.T) {
	for _, body := range []string{"", "not json", "null", "[]", `"text"`, `{"ticket":`} {
		t.Run(body, func(t *testing.T) {
			api := newFakeAPI(t, always(http.StatusOK, []byte(body)))
			c := newTestClient(t, api)
			_, err := c.GetTicket(context.Background(), "BKT-1")
			if !errors.Is(err, periskope.ErrMalformedResponse) || !strings.Contains(err.Error(), "trace-123") {
				t.Errorf("GetTicket err = %v, want ErrMalformedResponse with the trace id", err)
			}
			if body == "[]" {
				return // a bare array is a valid (empty) list
			}
			if _, err := c.ListTickets(context.Background(), periskope.ListTicketsParams{}); !errors.Is(err, periskope.ErrMalformedResponse) {
				t.Errorf("ListTickets err = %v, want ErrMalformedResponse", err)
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	sentinels := []error{periskope.ErrRedirected, periskope.ErrUnauthorized, periskope.ErrNotFound, periskope.ErrRateLimited, periskope.ErrInvalidRequest, periskope.ErrServer}
	tests := []struct {
		status      int
		body        string
		want        error
		code, msg   string
		errContains string
	}{
		{400, `{"message":"chat_id is invalid","code":"invalid_chat"}`, periskope.ErrInvalidRequest, "invalid_chat", "chat_id is invalid", "400 Bad Request: invalid_chat: chat_id is invalid"},
		{401, `{"message":"Invalid API key"}`, periskope.ErrUnauthorized, "", "Invalid API key", "401"},
		{403, ``, periskope.ErrUnauthorized, "", "", "403 Forbidden"},
		{404, `{"error":{"code":"not_found","message":"Ticket not found"}}`, periskope.ErrNotFound, "not_found", "Ticket not found", "not_found"},
		{409, `{"error":"conflict"}`, periskope.ErrInvalidRequest, "", "conflict", "409"},
		{422, `{"code":42,"message":["a","b"]}`, periskope.ErrInvalidRequest, "42", "", "422"},
		{429, `{"message":"Too many requests"}`, periskope.ErrRateLimited, "", "Too many requests", "429"},
		{500, `<html>Internal Server Error</html>`, periskope.ErrServer, "", "", "500 Internal Server Error"},
		{503, `"upstream down"`, periskope.ErrServer, "", "upstream down", "503"},
		{302, `{}`, periskope.ErrRedirected, "", "", "302"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			api := newFakeAPI(t, always(tt.status, []byte(tt.body)))
			c := newTestClient(t, api, periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 1}))
			_, err := c.GetTicket(context.Background(), "BKT-1")
			var apiErr *periskope.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code || apiErr.Message != tt.msg || apiErr.TraceID != "trace-123" {
				t.Errorf("APIError = %+v", apiErr)
			}
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.errContains) || !strings.Contains(msg, "trace-123") || !strings.Contains(msg, "GET /tickets/BKT-1") {
				t.Errorf("Error() = %q", msg)
			}
			if strings.Contains(msg, testAPIKey) {
				t.Errorf("Error() leaks the API key: %q", msg)
			}
		})
	}
}

func TestAPIErrorMessageIsBounded(t *testing.T) {
	long := strings.Repeat("é", 600)
	api := newFakeAPI(t, always(400, []byte(`{"message":"`+long+`"}`)))
	c := newTestClient(t, api)
	_, err := c.GetTicket(context.Background(), "BKT-1")
	var apiErr *periskope.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Message) > 504 || !strings.HasSuffix(apiErr.Message, "…") || !json.Valid([]byte(`"`+apiErr.Message+`"`)) {
		t.Errorf("Message of %d bytes: %q", len(apiErr.Message), apiErr.Message)
	}
}

// rotatingKeys is a KeyProvider with RefreshAPIKey whose cached key is stale until refreshed.
type rotatingKeys struct {
	current, next string
	refreshErr    error
	refreshes     atomic.Int32
}

func (k *rotatingKeys) APIKey(context.Context) (string, error) { return k.current, nil }

func (k *rotatingKeys) RefreshAPIKey(context.Context) (string, error) {
	k.refreshes.Add(1)
	if k.refreshErr != nil {
		return "", k.refreshErr
	}
	k.current = k.next
	return k.current, nil
}

// acceptKey answers 401 unless the request carries key.
func acceptKey(key string, body []byte) responder {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			reply(w, http.StatusUnauthorized, []byte(`{"message":"Invalid API key"}`))
			return
		}
		reply(w, http.StatusOK, body)
	}
}

func TestUnauthorizedRefreshesTheKeyOnce(t *testing.T) {
	example := createExample(t)
	req := periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: "s"}

	t.Run("rotated key works", func(t *testing.T) {
		keys := &rotatingKeys{current: "old", next: "new"}
		api := newFakeAPI(t, acceptKey("new", example))
		c := newTestClient(t, api, periskope.WithKeyProvider(keys))
		if _, err := c.CreateTicket(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if api.Count() != 2 || keys.refreshes.Load() != 1 {
			t.Errorf("requests = %d, refreshes = %d; want 2 and 1", api.Count(), keys.refreshes.Load())
		}
	})
	t.Run("a refreshed retry is not a policy retry", func(t *testing.T) {
		keys := &rotatingKeys{current: "old", next: "new"}
		api := newFakeAPI(t, sequence(acceptKey("new", example), always(http.StatusTooManyRequests, nil), acceptKey("new", example)))
		c := newTestClient(t, api, periskope.WithKeyProvider(keys), periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
		if _, err := c.CreateTicket(context.Background(), req); err != nil {
			t.Fatalf("401, refresh, 429, 201 with two attempts: %v", err)
		}
		if api.Count() != 3 {
			t.Errorf("requests = %d, want 3", api.Count())
		}
	})
	t.Run("still unauthorized after refresh", func(t *testing.T) {
		keys := &rotatingKeys{current: "old", next: "newer"}
		api := newFakeAPI(t, acceptKey("other", example))
		c := newTestClient(t, api, periskope.WithKeyProvider(keys))
		_, err := c.CreateTicket(context.Background(), req)
		if !errors.Is(err, periskope.ErrUnauthorized) || api.Count() != 2 || keys.refreshes.Load() != 1 {
			t.Errorf("err = %v, requests = %d, refreshes = %d", err, api.Count(), keys.refreshes.Load())
		}
	})
	t.Run("same key after refresh is not retried", func(t *testing.T) {
		keys := &rotatingKeys{current: "old", next: "old"}
		api := newFakeAPI(t, acceptKey("other", example))
		c := newTestClient(t, api, periskope.WithKeyProvider(keys))
		_, err := c.CreateTicket(context.Background(), req)
		if !errors.Is(err, periskope.ErrUnauthorized) || api.Count() != 1 {
			t.Errorf("err = %v, requests = %d", err, api.Count())
		}
	})
	t.Run("refresh fails", func(t *testing.T) {
		errDown := errors.New("secrets manager down")
		keys := &rotatingKeys{current: "old", refreshErr: errDown}
		api := newFakeAPI(t, acceptKey("new", example))
		c := newTestClient(t, api, periskope.WithKeyProvider(keys))
		_, err := c.CreateTicket(context.Background(), req)
		var apiErr *periskope.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || !errors.Is(err, errDown) || api.Count() != 1 {
			t.Errorf("err = %v, requests = %d; want the 401 wrapping the refresh's error", err, api.Count())
		}
	})
	t.Run("static key is not refreshed", func(t *testing.T) {
		api := newFakeAPI(t, acceptKey("new", example))
		c := newTestClient(t, api)
		_, err := c.CreateTicket(context.Background(), req)
		if !errors.Is(err, periskope.ErrUnauthorized) || api.Count() != 1 {
			t.Errorf("err = %v, requests = %d", err, api.Count())
		}
	})
}

type keyFunc func(context.Context) (string, error)

func (f keyFunc) APIKey(ctx context.Context) (string, error) { return f(ctx) }

func TestKeyProviderResults(t *testing.T) {
	example := createExample(t)
	tests := []struct {
		name    string
		key     keyFunc
		wantErr string
		bearer  string
	}{
		{"error", func(context.Context) (string, error) { return "", errors.New("no secret") }, "API key: no secret", ""},
		{"empty", func(context.Context) (string, error) { return "  ", nil }, "empty", ""},
		{"control character", func(context.Context) (string, error) { return "ab\ncd", nil }, "control", ""},
		{"trailing newline trimmed", func(context.Context) (string, error) { return "k-1\n", nil }, "", "Bearer k-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, always(http.StatusOK, example))
			c := newTestClient(t, api, periskope.WithKeyProvider(tt.key))
			_, err := c.GetTicket(context.Background(), "BKT-001")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || api.Count() != 0 {
					t.Errorf("err = %v after %d requests, want %q before any", err, api.Count(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := api.Requests()[0].Header.Get("Authorization"); got != tt.bearer {
				t.Errorf("Authorization = %q, want %q", got, tt.bearer)
			}
		})
	}
}

func TestNewValidatesOptions(t *testing.T) {
	key := periskope.WithAPIKey("k")
	tests := []struct {
		name    string
		opts    []periskope.Option
		wantErr bool
	}{
		{"defaults with a key", []periskope.Option{key}, false},
		{"nil option skipped", []periskope.Option{key, nil}, false},
		{"no key", nil, true},
		{"empty key", []periskope.Option{periskope.WithAPIKey(" ")}, true},
		{"nil provider", []periskope.Option{periskope.WithKeyProvider(nil)}, true},
		{"static key provider", []periskope.Option{periskope.WithKeyProvider(periskope.StaticKey("k"))}, false},
		{"local base URL", []periskope.Option{key, periskope.WithBaseURL("http://127.0.0.1:4010/v1")}, false},
		{"base URL with slash", []periskope.Option{key, periskope.WithBaseURL("https://api-staging.periskope.app/v1/")}, false},
		{"base URL without scheme", []periskope.Option{key, periskope.WithBaseURL("api.periskope.app/v1")}, true},
		{"ftp base URL", []periskope.Option{key, periskope.WithBaseURL("ftp://api.periskope.app/v1")}, true},
		{"base URL without host", []periskope.Option{key, periskope.WithBaseURL("http:///v1")}, true},
		{"base URL with query", []periskope.Option{key, periskope.WithBaseURL("https://h/v1?x=1")}, true},
		{"base URL with user", []periskope.Option{key, periskope.WithBaseURL("https://u:p@h/v1")}, true},
		{"unparsable base URL", []periskope.Option{key, periskope.WithBaseURL("http://[::1")}, true},
		{"phone digits", []periskope.Option{key, periskope.WithPhone("919876543210")}, false},
		{"phone id", []periskope.Option{key, periskope.WithPhone("phone-bqzvyibhmwkaergr")}, false},
		{"phone with plus", []periskope.Option{key, periskope.WithPhone("+919876543210")}, true},
		{"phone with spaces", []periskope.Option{key, periskope.WithPhone("91 98745 32456")}, true},
		{"phone too short", []periskope.Option{key, periskope.WithPhone("12345")}, true},
		{"phone too long", []periskope.Option{key, periskope.WithPhone("1234567890123456")}, true},
		{"phone leading zero", []periskope.Option{key, periskope.WithPhone("09876543210")}, true},
		{"empty phone", []periskope.Option{key, periskope.WithPhone("")}, true},
		{"bare phone- prefix", []periskope.Option{key, periskope.WithPhone("phone-")}, true},
		{"phone id upper case", []periskope.Option{key, periskope.WithPhone("phone-ABC")}, true},
		{"nil http client", []periskope.Option{key, periskope.WithHTTPClient(nil)}, true},
		{"http client", []periskope.Option{key, periskope.WithHTTPClient(&http.Client{})}, false},
		{"zero attempts", []periskope.Option{key, periskope.WithRetryPolicy(periskope.RetryPolicy{})}, true},
		{"negative delay", []periskope.Option{key, periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 1, BaseDelay: -1})}, true},
		{"single attempt", []periskope.Option{key, periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 1})}, false},
		{"user agent", []periskope.Option{key, periskope.WithUserAgent("x/1")}, false},
		{"user agent with newline", []periskope.Option{key, periskope.WithUserAgent("x\r\nInjected: 1")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := periskope.New(tt.opts...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New err = %v, wantErr %v", err, tt.wantErr)
			}
			if (c == nil) == (err == nil) {
				t.Errorf("New returned client %v with err %v", c, err)
			}
		})
	}
}

// A refused base URL's error never carries its password: callers log it.
func TestBaseURLErrorMasksPassword(t *testing.T) {
	for _, u := range []string{"https://u:s3cret@h/v1", "ftp://u:s3cret@h/v1", "http://u:s3cret@[::1/v1"} {
		_, err := periskope.New(periskope.WithAPIKey("k"), periskope.WithBaseURL(u))
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("WithBaseURL(%q): err = %v, want an error without the password", u, err)
		}
	}
}

func TestBaseURLTrailingSlashKeepsThePrefix(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, createExample(t)))
	c := newTestClient(t, api, periskope.WithBaseURL(api.URL()+"/"))
	if _, err := c.GetTicket(context.Background(), "BKT-001"); err != nil {
		t.Fatal(err)
	}
	if p := api.Requests()[0].Path; p != "/v1/tickets/BKT-001" {
		t.Errorf("path = %q", p)
	}
}

func TestDefaultHTTPClientAndRealSleepWork(t *testing.T) {
	// 503 then 200: the retry sleeps on the real clock (1ms) and both
	// attempts go through the default transport.
	api := newFakeAPI(t, sequence(always(503, nil), always(200, createExample(t))))
	c, err := periskope.New(periskope.WithBaseURL(api.URL()), periskope.WithAPIKey(testAPIKey), periskope.WithPhone(testPhone),
		periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ti, err := c.GetTicket(context.Background(), "BKT-001")
	if err != nil || ti.Ticket.TicketID != "BKT-001" || api.Count() != 2 {
		t.Fatalf("GetTicket = %v, %v after %d requests", ti, err, api.Count())
	}
	if ua := api.Requests()[0].Header.Get("User-Agent"); ua != "periskope-go" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestValidatePhoneAndNormalizeChatID(t *testing.T) {
	if err := periskope.ValidatePhone("919876543210"); err != nil {
		t.Error(err)
	}
	if err := periskope.ValidatePhone("9198765x3210"); err == nil || !strings.Contains(err.Error(), "digits") {
		t.Errorf("err = %v", err)
	}
	for in, want := range map[string]string{
		"919537851844":              "919537851844@c.us",
		" 919537851844@c.us ":       "919537851844@c.us",
		"120363392071406466@g.us":   "120363392071406466@g.us",
		"":                          "",
		"+919537851844":             "+919537851844",
		"919537851844@s.whatsapp.x": "919537851844@s.whatsapp.x",
	} {
		if got := periskope.NormalizeChatID(in); got != want {
			t.Errorf("NormalizeChatID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUpdateTicketAcceptsAnEmptyAnswer(t *testing.T) {
	api := newFakeAPI(t, always(http.StatusOK, nil))
	c := newTestClient(t, api)
	ti, err := c.UpdateTicket(context.Background(), "BKT-001", periskope.UpdateTicketRequest{DueDate: ptr("2025-04-20"), Labels: ptr("a, b")})
	if err != nil || ti.Ticket != nil || ti.TraceID != "trace-123" {
		t.Fatalf("UpdateTicket = %+v, %v", ti, err)
	}
	jsonEqual(t, api.Requests()[0].Body, `{"due_date":"2025-04-20","labels":"a, b"}`)
}

func TestMalformedAnswerWithoutTraceID(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html>"))
	})
	c := newTestClient(t, api)
	_, err := c.GetTicket(context.Background(), "BKT-001")
	if !errors.Is(err, periskope.ErrMalformedResponse) || strings.Contains(err.Error(), "trace id") {
		t.Errorf("err = %v", err)
	}
}
