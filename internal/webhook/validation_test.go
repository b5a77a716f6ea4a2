package webhook_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

// Table built from the valid ticket.created fixture, one change per row.
func TestTicketCreatedValidation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mutate    func(env map[string]any)
		status    int
		errCode   string
		field     string
		wantOrgID string // for 200 rows
	}{
		{"baseline", func(map[string]any) {}, 200, "", "", "2997xx64-89bf-48d3-9a22-b314fxx017e5"},
		{"org_id falls back to the ticket's", func(env map[string]any) { delete(env, "org_id") }, 200, "", "", "2997xx64-89bf-48d3-9a22-b314fxx017e5"},
		{"envelope org_id wins", func(env map[string]any) { env["org_id"] = "org-from-envelope" }, 200, "", "", "org-from-envelope"},
		{"event_type instead of event", func(env map[string]any) { env["event_type"] = env["event"]; delete(env, "event") }, 200, "", "", "2997xx64-89bf-48d3-9a22-b314fxx017e5"},
		{"bare ticket as data", func(env map[string]any) { env["data"] = ticketOf(env) }, 200, "", "", "2997xx64-89bf-48d3-9a22-b314fxx017e5"},
		{"priority as a string", func(env map[string]any) { ticketOf(env)["priority"] = "3" }, 200, "", "", "2997xx64-89bf-48d3-9a22-b314fxx017e5"},
		{"no ticket_id", func(env map[string]any) { delete(ticketOf(env), "ticket_id") }, 400, "missing_field", "data.ticket.ticket_id", ""},
		{"blank ticket_id", func(env map[string]any) { ticketOf(env)["ticket_id"] = "  " }, 400, "missing_field", "data.ticket.ticket_id", ""},
		{"ticket_id too long", func(env map[string]any) { ticketOf(env)["ticket_id"] = strings.Repeat("T", 1025) }, 400, "invalid_field", "data.ticket.ticket_id", ""},
		{"no org_id anywhere", func(env map[string]any) { delete(env, "org_id"); delete(ticketOf(env), "org_id") }, 400, "missing_field", "org_id", ""},
		{"org_id with the key separator", func(env map[string]any) { env["org_id"] = "org#1" }, 400, "invalid_field", "org_id", ""},
		{"no ticket in data", func(env map[string]any) { delete(env["data"].(map[string]any), "ticket") }, 400, "missing_field", "data.ticket", ""},
		{"data not an object", func(env map[string]any) { env["data"] = []any{1, 2} }, 400, "invalid_field", "data", ""},
		{"data missing", func(env map[string]any) { delete(env, "data") }, 400, "invalid_field", "data", ""},
		{"no event name", func(env map[string]any) { delete(env, "event") }, 400, "missing_field", "event", ""},
		{"other event", func(env map[string]any) { env["event"] = "message.created"; env["data"] = "anything" }, 200, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := baseline(t)
			tc.mutate(env)
			r := newRig()
			got := r.send(t, signed(t, mustJSON(t, env), localKey))
			if got.Status != tc.status || got.ErrCode != tc.errCode || got.ErrField != tc.field {
				t.Fatalf("answer %d %s, want %d %s field %q", got.Status, got.Raw.Body, tc.status, tc.errCode, tc.field)
			}
			if tc.status == 400 && tc.field != "event" {
				if line := r.logLines(t)[0]; line["event"] != "ticket.created" || line["field"] != tc.field {
					t.Errorf("log line does not say which event and field: %v", line)
				}
			}
			// Every refusal of a signed delivery is counted, its code logged.
			if refused := r.metrics.Get(webhook.MetricSignedDeliveryRefused); refused != map[bool]float64{true: 1}[tc.status == 400] {
				t.Errorf("%s = %v for a %d answer", webhook.MetricSignedDeliveryRefused, refused, tc.status)
			}
			if line := r.logLines(t)[0]; tc.status == 400 && line["error_code"] != tc.errCode {
				t.Errorf("log line does not name the error code: %v", line)
			}
			switch {
			case tc.wantOrgID != "":
				if len(r.store.puts) != 1 || r.store.puts[0].OrgID != tc.wantOrgID {
					t.Fatalf("stored %+v, want org %s", r.store.puts, tc.wantOrgID)
				}
			case len(r.store.puts) != 0:
				t.Errorf("stored %d tickets, want none", len(r.store.puts))
			}
		})
	}
}

// Identifiers must arrive as JSON strings and be kept exactly: a number
// would be stored as its literal text (100, 1e2 and 100.0 three items,
// 100 and "100" one) and an unpaired surrogate escape decodes to U+FFFD
// ("\ud800" and "\udfff" one item). Each is 400 invalid_field naming the
// member, and nothing is stored. The values are spliced into the body as
// raw JSON text, as encoding/json cannot write them.
func TestIdentifiersMustBeExactStrings(t *testing.T) {
	const placeholder = "VALUE-UNDER-TEST"
	for _, tc := range []struct {
		member  string // event, event_type, org_id, ticket_id, ticket org_id
		value   string // raw JSON
		status  int
		errCode string
		field   string
	}{
		{"ticket_id", `"100"`, 200, "", ""},
		{"ticket_id", `"\ud83d\ude00"`, 200, "", ""},
		{"ticket_id", `"\\ud800"`, 200, "", ""},
		{"ticket_id", `100`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `1e2`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `100.0`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `true`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `{"id":"T-1"}`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `"\ud800"`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `"\udfff"`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `"T-\ud83d"`, 400, "invalid_field", "data.ticket.ticket_id"},
		{"ticket_id", `null`, 400, "missing_field", "data.ticket.ticket_id"},
		{"org_id", `42`, 400, "invalid_field", "org_id"},
		{"org_id", `"\ud800"`, 400, "invalid_field", "org_id"},
		{"ticket org_id", `7`, 400, "invalid_field", "data.ticket.org_id"},
		{"ticket org_id", `"\udc00"`, 400, "invalid_field", "data.ticket.org_id"},
		{"event", `5`, 400, "invalid_field", "event"},
		{"event", `["ticket.created"]`, 400, "invalid_field", "event"},
		{"event", `"ticket.created\ud800"`, 400, "invalid_field", "event"},
		{"event_type", `5`, 400, "invalid_field", "event_type"},
	} {
		t.Run(tc.member+"="+tc.value, func(t *testing.T) {
			env := baseline(t)
			switch tc.member {
			case "ticket org_id":
				delete(env, "org_id")
				ticketOf(env)["org_id"] = placeholder
			case "ticket_id":
				ticketOf(env)["ticket_id"] = placeholder
			case "event_type":
				delete(env, "event")
				env["event_type"] = placeholder
			default:
				env[tc.member] = placeholder
			}
			body := bytes.Replace(mustJSON(t, env), []byte(`"`+placeholder+`"`), []byte(tc.value), 1)
			r := newRig()
			got := r.send(t, signed(t, body, localKey))
			if got.Status != tc.status || got.ErrCode != tc.errCode || got.ErrField != tc.field {
				t.Fatalf("answer %d %s, want %d %s field %q", got.Status, got.Raw.Body, tc.status, tc.errCode, tc.field)
			}
			if tc.status != 200 {
				if len(r.store.puts) != 0 {
					t.Errorf("stored %d tickets, want none", len(r.store.puts))
				}
				return
			}
			var want string
			if err := json.Unmarshal([]byte(tc.value), &want); err != nil {
				t.Fatal(err)
			}
			if len(r.store.puts) != 1 || r.store.puts[0].TicketID != want || got.Body["ticket_id"] != want {
				t.Errorf("stored %+v, want ticket_id %q", r.store.puts, want)
			}
		})
	}
}

func TestMalformedBodies(t *testing.T) {
	for name, tc := range map[string]struct {
		body    string
		errCode string
	}{
		"empty":          {"", "invalid_json"},
		"truncated":      {`{"event":"ticket.created",`, "invalid_json"},
		"invalid UTF-8":  {"{\"event\":\"ticket.created\",\"data\":{\"ticket\":{\"ticket_id\":\"\xff\",\"org_id\":\"o\"}}}", "invalid_json"},
		"array":          {`[{"event":"ticket.created"}]`, "invalid_body"},
		"null":           {`null`, "invalid_body"},
		"string":         {`"ticket.created"`, "invalid_body"},
		"trailing junk":  {`{"event":"ticket.created"} {}`, "invalid_json"},
		"event is a map": {`{"event":{"name":"ticket.created"}}`, "invalid_field"},
		// encoding/json (v1) takes the last of repeated names; the decoder
		// refuses them, anywhere in the body, rather than guess.
		"repeated event":           {`{"event":"ticket.deleted","event":"ticket.created","org_id":"o","data":{"ticket":{"ticket_id":"T","org_id":"o"}}}`, "invalid_json"},
		"repeated ticket_id":       {`{"event":"ticket.created","org_id":"o","data":{"ticket":{"ticket_id":"A","ticket_id":"B","org_id":"o"}}}`, "invalid_json"},
		"repeated name, escaped":   {`{"event":"ticket.created","org_id":"o","data":{"ticket":{"ticket_id":"A","ticket\u005fid":"B","org_id":"o"}}}`, "invalid_json"},
		"repeated name, elsewhere": {`{"event":"ticket.created","org_id":"o","data":{"ticket":{"ticket_id":"A","org_id":"o"},"x":{"y":1,"y":2}}}`, "invalid_json"},
		// ParseEvent trims Unicode white space, JSON does not.
		"no-break space before":  {"\u00a0{\"event\":\"ticket.created\"}", "invalid_json"},
		"vertical tab after":     {"{\"event\":\"ticket.created\"}\v", "invalid_json"},
		"line separator after":   {"{\"event\":\"ticket.created\"}\u2028", "invalid_json"},
		"form feed, no event":    {"\f{}", "invalid_json"},
		"JSON space is no fault": {" \t\r\n{\"event\":\"message.created\"}\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig()
			got := r.send(t, signed(t, []byte(tc.body), localKey))
			if tc.errCode == "" {
				if got.Status != 200 {
					t.Fatalf("answer %d %s, want 200", got.Status, got.Raw.Body)
				}
				return
			}
			if got.Status != 400 || got.ErrCode != tc.errCode {
				t.Fatalf("answer %d %s, want 400 %s", got.Status, got.Raw.Body, tc.errCode)
			}
			if len(r.store.puts) != 0 {
				t.Error("stored")
			}
		})
	}
}

// The data member is stored as the exact bytes received: members we do not
// model, odd spacing, big and precise numbers and key order all survive.
func TestDataIsLossless(t *testing.T) {
	data := `{ "ticket" : {"ticket_id":"BKT-001","org_id":"org-1","priority":4,` +
		`"subject":"caf\u00e9 \ud83d\ude00", "future_field": {"nested": [1, 2.50, 12345678901234567890123, {"deep": null}]}},` +
		`"zeta": 1e400, "alpha": -0.0 }`
	body := []byte(`{"event":"ticket.created","org_id":"org-1","data":` + data + `,"timestamp":"2025-01-26 13:46:21+00"}`)
	r := newRig()
	if got := r.send(t, signed(t, body, localKey)); got.Status != 200 {
		t.Fatalf("answer %d %s", got.Status, got.Raw.Body)
	}
	stored := r.store.puts[0]
	if !bytes.Equal(stored.Data, []byte(data)) {
		t.Errorf("data changed:\n got %s\nwant %s", stored.Data, data)
	}
	if stored.Subject != "café 😀" || stored.Priority != 4 || stored.EventTimestamp != "2025-01-26 13:46:21+00" {
		t.Errorf("top-level attributes: %+v", stored)
	}
}

// Nothing secret or sent by the caller beyond identifiers reaches the log.
func TestLogLeaksNothing(t *testing.T) {
	requests := map[string][]byte{
		"stored":    mustJSON(t, baseline(t)),
		"malformed": []byte(`{"event":"ticket.created","data":{"ticket":{"subject":"Sample Ticket Subject"`),
	}
	for name, body := range requests {
		for _, key := range []string{localKey, "wrong-key-value"} {
			r := newRig()
			req := signed(t, body, key)
			r.send(t, req)
			log := r.log.String()
			for _, secret := range []string{localKey, "wrong-key-value", req.Headers["x-periskope-signature"], "Sample Ticket Subject", "members", req.Body[:40]} {
				if strings.Contains(log, secret) {
					t.Errorf("%s/%s: log contains %q: %s", name, key, secret, log)
				}
			}
			line := r.logLines(t)[0]
			for _, k := range []string{"api_request_id", "outcome", "status", "latency_ms"} {
				if _, ok := line[k]; !ok {
					t.Errorf("%s: log line lacks %s: %v", name, k, line)
				}
			}
		}
	}
}

func TestLogLineOfAStoredTicket(t *testing.T) {
	r := newRig()
	req := sample(t, "webhook-ticket-created.json")
	r.send(t, req)
	line := r.logLines(t)[0]
	want := map[string]any{
		"level": "INFO", "msg": "webhook request", "api_request_id": req.RequestContext.RequestID,
		"outcome": "stored", "status": float64(200), "event": "ticket.created",
		"ticket_id": "TICKET-12345", "org_id": "2997xx64-89bf-48d3-9a22-b314fxx017e5",
		"latency_ms": float64(0), // the injected clock does not move
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
}
