package periskope_test

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func TestParseEventFromTheSeedSample(t *testing.T) {
	body := fixture(t, "ticket-created.json")
	e, err := periskope.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != periskope.EventTicketCreated || e.OrgID != "2997xx64-89bf-48d3-9a22-b314fxx017e5" ||
		e.Timestamp != "2024-05-24T08:30:00.123456+00:00" || string(e.PreviousAttributes) != "{}" || !bytes.Equal(e.Raw, body) {
		t.Errorf("event = %+v", e)
	}
	ti, err := e.TicketInfo()
	if err != nil {
		t.Fatal(err)
	}
	tk := ti.Ticket
	if tk == nil || tk.TicketID != "TICKET-12345" || tk.Priority != periskope.PriorityMedium || tk.RaisedBy != "raisedby@example.com" ||
		tk.ClosedBy != "closedby@example.com" || tk.TicketLabels != "label1, label2" || tk.IsDeleted ||
		len(tk.TicketCustomProperties) != 3 || tk.TicketCustomProperties["property-3"] != "value-3" {
		t.Errorf("ticket = %+v", tk)
	}
	for name, got := range map[string]periskope.Time{"due_date": tk.DueDate, "closed_at": tk.ClosedAt, "created_at": tk.CreatedAt} {
		if got.IsZero() || got.Raw == "" {
			t.Errorf("%s = %+v, want parsed", name, got)
		}
	}
	ch := ti.Chat
	if ch == nil || ch.InviteLink != "https://chat.whatsapp.com/invite/BZcwk7oCxxVIhExxxcmKxN" || ch.GroupDescription != "" ||
		ch.CustomProperties["Property2"] != "opXtion1" || len(ch.Members) != 2 || ch.IsMuted || ch.ChatImage != "/storage/image.jpeg" {
		t.Errorf("chat = %+v", ch)
	}
	if ti.Message == nil || ti.Message.PerformedBy != "demo@email.com" || len(ti.AttachedMessages) != 2 {
		t.Errorf("messages = %+v / %+v", ti.Message, ti.AttachedMessages)
	}
	var data map[string]any
	if err := json.Unmarshal(ti.Raw, &data); err != nil || len(data) != 4 {
		t.Errorf("Raw is not the data object: %v", err)
	}
}

// withMember returns body with one top-level member replaced or added.
func withMember(t *testing.T, body []byte, key, value string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(value)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseEventVariants(t *testing.T) {
	base := fixture(t, "ticket-created.json")
	info := fixture(t, "ticket-info.json")
	bareTicket := `{"ticket_id":"BKT-9","org_id":"o-1","priority":"4","subject":"bare"}`
	quoted, _ := json.Marshal(string(info))

	tests := []struct {
		name       string
		body       []byte
		wantType   string
		wantTicket string // "" when TicketInfo should fail
		wantErr    error  // of TicketInfo
	}{
		{"event_type instead of event", withMember(t, withMember(t, base, "event", ""), "event_type", `"ticket.created"`), "ticket.created", "TICKET-12345", nil},
		{"event wins over event_type", withMember(t, base, "event_type", `"ticket.updated"`), "ticket.created", "TICKET-12345", nil},
		{"data is a bare ticket", withMember(t, base, "data", bareTicket), "ticket.created", "BKT-9", nil},
		{"data is a JSON string", withMember(t, base, "data", string(quoted)), "ticket.created", "TICKET-12345", nil},
		{"ticket.updated with previous attributes", withMember(t, withMember(t, base, "event", `"ticket.updated"`), "previous_attributes", `{"status":"open"}`), "ticket.updated", "TICKET-12345", nil},
		{"unknown event", withMember(t, base, "event", `"message.created"`), "message.created", "", periskope.ErrNotTicketEvent},
		{"org event", withMember(t, base, "event", `"org.phone.disconnected"`), "org.phone.disconnected", "", periskope.ErrNotTicketEvent},
		{"no data", withMember(t, base, "data", ""), "ticket.created", "", periskope.ErrMalformedEvent},
		{"null data", withMember(t, base, "data", "null"), "ticket.created", "", periskope.ErrMalformedEvent},
		{"data is a number", withMember(t, base, "data", "5"), "ticket.created", "", periskope.ErrMalformedEvent},
		{"data is an array", withMember(t, base, "data", "[]"), "ticket.created", "", periskope.ErrMalformedEvent},
		{"data is a string of garbage", withMember(t, base, "data", `"{nope"`), "ticket.created", "", periskope.ErrMalformedEvent},
		{"unknown members", withMember(t, base, "delivery_id", `{"x":[1,2]}`), "ticket.created", "TICKET-12345", nil},
		{"numeric timestamp", withMember(t, base, "timestamp", "1737976074"), "ticket.created", "TICKET-12345", nil},
		{"escaped event name", withMember(t, base, "event", `"ticket\u002ecreated"`), "ticket.created", "TICKET-12345", nil},
		{"null org id", withMember(t, base, "org_id", "null"), "ticket.created", "TICKET-12345", nil},
		{"surrogate pair in org id", withMember(t, base, "org_id", `"org-\ud83d\ude00"`), "ticket.created", "TICKET-12345", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := periskope.ParseEvent(tt.body)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if e.Type != tt.wantType {
				t.Errorf("Type = %q, want %q", e.Type, tt.wantType)
			}
			ti, err := e.TicketInfo()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("TicketInfo err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || ti.Ticket == nil || ti.Ticket.TicketID != tt.wantTicket {
				t.Errorf("TicketInfo = %+v, %v; want ticket %s", ti, err, tt.wantTicket)
			}
		})
	}
}

// Event.Data and PreviousAttributes are nil when missing or null, as their
// docs promise, and otherwise the member's bytes.
func TestParseEventNullMembersAreNil(t *testing.T) {
	for _, body := range []string{
		`{"event":"ticket.deleted","data":null,"previous_attributes":null}`,
		`{"event":"ticket.deleted"}`,
	} {
		e, err := periskope.ParseEvent([]byte(body))
		if err != nil || e.Data != nil || e.PreviousAttributes != nil {
			t.Errorf("%s: Data = %q, PreviousAttributes = %q, err = %v; want nil, nil", body, e.Data, e.PreviousAttributes, err)
		}
	}
	e, err := periskope.ParseEvent([]byte(`{"event":"ticket.updated","data":{},"previous_attributes": { "status" : null } }`))
	if err != nil || string(e.Data) != "{}" || string(e.PreviousAttributes) != `{ "status" : null }` {
		t.Errorf("Data = %q, PreviousAttributes = %q, err = %v; want the members' bytes", e.Data, e.PreviousAttributes, err)
	}
}

// Identifiers become keys: a value that is not a JSON string, or whose text
// cannot be kept exactly (an unpaired surrogate escape decodes to U+FFFD, so
// "\ud800" and "\udfff" would be one id), is refused, naming the member.
func TestParseEventRefusesInexactIdentifiers(t *testing.T) {
	base := fixture(t, "ticket-created.json")
	for _, tc := range []struct {
		member, value string
	}{
		{"event", `5`},
		{"event", `true`},
		{"event", `{"name":"ticket.created"}`},
		{"event", `["ticket.created"]`},
		{"event", `"\ud800"`},
		{"event", `"ticket.created\udfff"`},
		{"event_type", `7`},
		{"org_id", `42`},
		{"org_id", `1e2`},
		{"org_id", `"\ud800"`},
		{"org_id", `"\udc00\ud83d"`},
		{"org_id", `"a\ud83d\ud83d"`},
	} {
		t.Run(tc.member+"="+tc.value, func(t *testing.T) {
			body := withMember(t, base, tc.member, tc.value)
			if tc.member == "event_type" {
				body = withMember(t, body, "event", "")
			}
			e, err := periskope.ParseEvent(body)
			var fe *periskope.FieldError
			if !errors.Is(err, periskope.ErrMalformedEvent) || !errors.Is(err, periskope.ErrInvalidID) || !errors.As(err, &fe) {
				t.Fatalf("ParseEvent = %+v, %v; want ErrMalformedEvent, ErrInvalidID and a *FieldError", e, err)
			}
			if fe.Field != tc.member {
				t.Errorf("field = %q, want %q", fe.Field, tc.member)
			}
		})
	}
}

// event_type is only read when event is missing: beside an event name, an
// odd event_type is a member nobody uses, and refusing it would refuse a
// ticket.created that is otherwise whole.
func TestParseEventIgnoresEventTypeBesideEvent(t *testing.T) {
	base := fixture(t, "ticket-created.json")
	for _, value := range []string{`7`, `"\ud800"`, `{"x":1}`} {
		t.Run(value, func(t *testing.T) {
			e, err := periskope.ParseEvent(withMember(t, base, "event_type", value))
			if err != nil {
				t.Fatalf("ParseEvent: %v, want no error", err)
			}
			if e.Type != "ticket.created" {
				t.Errorf("Type = %q, want ticket.created", e.Type)
			}
		})
	}
}

func TestTicketInfoRefusesInexactIdentifiers(t *testing.T) {
	base := fixture(t, "ticket-created.json")
	info := fixture(t, "ticket-info.json")
	for _, tc := range []struct {
		name  string
		data  []byte
		field string // "" when accepted
		id    string // the ticket id accepted
	}{
		{"string id", replaced(t, info, []string{"ticket", "ticket_id"}, `"100"`), "", "100"},
		{"surrogate pair", replaced(t, info, []string{"ticket", "ticket_id"}, `"\ud83d\ude00"`), "", "\U0001F600"},
		{"null id", replaced(t, info, []string{"ticket", "ticket_id"}, `null`), "", ""},
		{"integer id", replaced(t, info, []string{"ticket", "ticket_id"}, `100`), "ticket.ticket_id", ""},
		{"exponent id", replaced(t, info, []string{"ticket", "ticket_id"}, `1e2`), "ticket.ticket_id", ""},
		{"decimal id", replaced(t, info, []string{"ticket", "ticket_id"}, `100.0`), "ticket.ticket_id", ""},
		{"boolean id", replaced(t, info, []string{"ticket", "ticket_id"}, `false`), "ticket.ticket_id", ""},
		{"object id", replaced(t, info, []string{"ticket", "ticket_id"}, `{"id":"1"}`), "ticket.ticket_id", ""},
		{"lone high surrogate", []byte(strings.Replace(string(info), `"ticket_id": "TICKET-12345"`, `"ticket_id": "\ud800"`, 1)), "ticket.ticket_id", ""},
		{"lone low surrogate", []byte(strings.Replace(string(info), `"ticket_id": "TICKET-12345"`, `"ticket_id": "T-\udfff"`, 1)), "ticket.ticket_id", ""},
		{"escaped backslash is no escape", []byte(strings.Replace(string(info), `"ticket_id": "TICKET-12345"`, `"ticket_id": "\\ud800"`, 1)), "", "\\ud800"},
		{"numeric org id", replaced(t, info, []string{"ticket", "org_id"}, `7`), "ticket.org_id", ""},
		{"bare ticket with a numeric id", []byte(`{"ticket_id":5,"org_id":"o"}`), "ticket.ticket_id", ""},
		// Deep nesting elsewhere in data.
		{"numeric id, deep nesting beside it", []byte(`{"ticket":{"ticket_id":100,"org_id":"o"},"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`), "ticket.ticket_id", ""},
		{"string id, deep nesting beside it", []byte(`{"ticket":{"ticket_id":"100","org_id":"o"},"x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`), "", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(tc.data, []byte("ticket_id")) {
				t.Fatalf("mutation did not apply: %s", tc.data)
			}
			e, err := periskope.ParseEvent(withMember(t, base, "data", string(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			ti, err := e.TicketInfo()
			if tc.field == "" {
				if err != nil || ti.Ticket == nil || ti.Ticket.TicketID != tc.id {
					t.Fatalf("TicketInfo = %+v, %v; want ticket %q", ti, err, tc.id)
				}
				return
			}
			var fe *periskope.FieldError
			if !errors.Is(err, periskope.ErrMalformedEvent) || !errors.Is(err, periskope.ErrInvalidID) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("TicketInfo = %+v, %v; want a *FieldError on %s", ti, err, tc.field)
			}
		})
	}
}

func TestParseEventRejects(t *testing.T) {
	for _, body := range []string{"", "  ", "not json", "null", "[]", `"ticket.created"`, "{}", `{"event":""}`, `{"event":null,"data":{}}`, `{"event":"ticket.created"`} {
		if e, err := periskope.ParseEvent([]byte(body)); !errors.Is(err, periskope.ErrMalformedEvent) {
			t.Errorf("ParseEvent(%q) = %+v, %v; want ErrMalformedEvent", body, e, err)
		}
	}
}

// Invalid JSON that does not start with an object is refused for what is
// wrong with it (a repeated member name, a cut value), like an object is,
// and no error names one of the package's unexported types.
func TestNonObjectsAreRefusedForWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		body      string
		duplicate bool
	}{
		{`[{"a":1,"a":2}]`, true}, {`[`, false}, {`"x"}`, false}, {`[{`, false}, {`[1]`, false}, {`3`, false},
	} {
		_, err := periskope.ParseEvent([]byte(tc.body))
		if !errors.Is(err, periskope.ErrMalformedEvent) || errors.Is(err, jsontext.ErrDuplicateName) != tc.duplicate {
			t.Errorf("ParseEvent(%s): %v; want ErrMalformedEvent, a repeated name %v", tc.body, err, tc.duplicate)
		}
		for name, v := range map[string]any{"ParseEvent": nil, "TicketInfo": &periskope.TicketInfo{}, "TicketList": &periskope.TicketList{}, "Ticket": &periskope.Ticket{}} {
			if v != nil {
				err = json.Unmarshal([]byte(tc.body), v)
			}
			if err != nil && wireTypeName.MatchString(err.Error()) {
				t.Errorf("%s(%s): %q names an unexported type", name, tc.body, err)
			}
		}
	}
}

// wireTypeName matches "periskope." followed by an unexported name.
var wireTypeName = regexp.MustCompile(`periskope\.[a-z]`)

func TestEventJSONRoundTrip(t *testing.T) {
	e, err := periskope.ParseEvent(fixture(t, "ticket-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var again periskope.Event
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, e.Data); err != nil {
		t.Fatal(err)
	}
	if again.Type != e.Type || again.OrgID != e.OrgID || again.Timestamp != e.Timestamp || !bytes.Equal(again.Data, compact.Bytes()) {
		t.Errorf("round trip lost something: type %q org %q timestamp %q data equal %v",
			again.Type, again.OrgID, again.Timestamp, bytes.Equal(again.Data, compact.Bytes()))
	}
	if strings.Contains(string(out), `"Raw"`) {
		t.Errorf("Raw is marshalled: %s", out)
	}
}

// TestDecodingIsTolerant feeds the seed sample with one member at a time
// replaced by what a loosely typed API may send; nothing but invalid JSON
// may fail, and the rest of the payload must still decode.
func TestDecodingIsTolerant(t *testing.T) {
	info := fixture(t, "ticket-info.json")
	replace := func(path []string, value string) []byte {
		var root map[string]any
		if err := json.Unmarshal(info, &root); err != nil {
			t.Fatal(err)
		}
		m := root
		for _, p := range path[:len(path)-1] {
			m = m[p].(map[string]any)
		}
		var v any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			t.Fatal(err)
		}
		m[path[len(path)-1]] = v
		out, _ := json.Marshal(root)
		return out
	}
	tests := []struct {
		name  string
		path  []string
		value string
		check func(*periskope.TicketInfo) bool
	}{
		{"priority as string", []string{"ticket", "priority"}, `"3"`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 3 }},
		{"priority as name", []string{"ticket", "priority"}, `"Urgent"`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 4 }},
		{"priority as float", []string{"ticket", "priority"}, `1.0`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 1 }},
		{"priority null", []string{"ticket", "priority"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 0 }},
		{"priority garbage", []string{"ticket", "priority"}, `"soon"`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 0 }},
		{"priority object", []string{"ticket", "priority"}, `{"level":2}`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Priority == 0 }},
		{"raised_by null", []string{"ticket", "raised_by"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.RaisedBy == "" }},
		{"subject as number", []string{"ticket", "subject"}, `42`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.Subject == "42" }},
		{"is_deleted as string", []string{"ticket", "is_deleted"}, `"true"`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.IsDeleted }},
		{"is_deleted as number", []string{"ticket", "is_deleted"}, `1`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.IsDeleted }},
		{"is_deleted null", []string{"ticket", "is_deleted"}, `null`, func(ti *periskope.TicketInfo) bool { return !ti.Ticket.IsDeleted }},
		{"custom property values of every type", []string{"ticket", "ticket_custom_properties"}, `{"n":3,"b":true,"z":null,"o":{"a":1},"l":[1, 2],"s":"x"}`,
			func(ti *periskope.TicketInfo) bool {
				p := ti.Ticket.TicketCustomProperties
				return p["n"] == "3" && p["b"] == "true" && p["z"] == "" && p["o"] == `{"a":1}` && p["l"] == "[1,2]" && p["s"] == "x"
			}},
		{"custom properties as array", []string{"ticket", "ticket_custom_properties"}, `[]`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketCustomProperties == nil }},
		{"due_date bare date", []string{"ticket", "due_date"}, `"2025-04-20"`, func(ti *periskope.TicketInfo) bool {
			return ti.Ticket.DueDate.Equal(time.Date(2025, 4, 20, 0, 0, 0, 0, time.UTC))
		}},
		{"due_date empty", []string{"ticket", "due_date"}, `""`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.DueDate.IsZero() }},
		{"due_date unparsable keeps Raw", []string{"ticket", "due_date"}, `"next tuesday"`, func(ti *periskope.TicketInfo) bool {
			return ti.Ticket.DueDate.IsZero() && ti.Ticket.DueDate.Raw == "next tuesday"
		}},
		{"created_at postgres form", []string{"ticket", "created_at"}, `"2024-05-13 11:19:34+00"`, func(ti *periskope.TicketInfo) bool {
			return ti.Ticket.CreatedAt.Equal(time.Date(2024, 5, 13, 11, 19, 34, 0, time.UTC))
		}},
		{"created_at epoch seconds", []string{"ticket", "created_at"}, `1737976074`, func(ti *periskope.TicketInfo) bool {
			return ti.Ticket.CreatedAt.Equal(time.Unix(1737976074, 0))
		}},
		{"group_description null", []string{"chat", "group_description"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Chat.GroupDescription == "" }},
		{"invite_link null", []string{"chat", "invite_link"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Chat.InviteLink == "" }},
		{"is_muted as string", []string{"chat", "is_muted"}, `"false"`, func(ti *periskope.TicketInfo) bool { return !ti.Chat.IsMuted }},
		{"members with a null member", []string{"chat", "members", "918527184400@c.us"}, `null`, func(ti *periskope.TicketInfo) bool {
			return len(ti.Chat.Members) == 1
		}},
		{"members null", []string{"chat", "members"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Chat.Members == nil }},
		{"chat null", []string{"chat"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Chat == nil && ti.Ticket != nil }},
		{"message is a string", []string{"message"}, `"hello"`, func(ti *periskope.TicketInfo) bool { return ti.Message == nil && ti.Ticket != nil }},
		{"performed_by null", []string{"message", "performed_by"}, `null`, func(ti *periskope.TicketInfo) bool { return ti.Message.PerformedBy == "" }},
		{"attached_messages with junk", []string{"attached_messages"}, `[null, 1, "x", {"body":"kept"}]`, func(ti *periskope.TicketInfo) bool {
			return len(ti.AttachedMessages) == 1 && ti.AttachedMessages[0].Body == "kept"
		}},
		{"attached_messages an object", []string{"attached_messages"}, `{"body":"x"}`, func(ti *periskope.TicketInfo) bool { return ti.AttachedMessages == nil }},
		{"unknown member", []string{"ticket", "hubspot_metadata"}, `{"id":[1,{"x":null}]}`, func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "TICKET-12345" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := replace(tt.path, tt.value)
			var ti periskope.TicketInfo
			if err := json.Unmarshal(body, &ti); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !tt.check(&ti) {
				t.Errorf("decoded wrongly: ticket %+v chat %+v message %+v attached %+v", ti.Ticket, ti.Chat, ti.Message, ti.AttachedMessages)
			}
			if ti.Ticket != nil && ti.Ticket.OrgID == "" {
				t.Errorf("the rest of the ticket was lost: %+v", ti.Ticket)
			}
			if !bytes.Equal(ti.Raw, body) {
				t.Error("Raw is not the input")
			}
		})
	}
}

func TestModelTypesRejectNonObjects(t *testing.T) {
	targets := map[string]any{
		"TicketInfo": &periskope.TicketInfo{}, "Ticket": &periskope.Ticket{}, "Chat": &periskope.Chat{},
		"ChatMember": &periskope.ChatMember{}, "Message": &periskope.Message{}, "TicketList": &periskope.TicketList{},
		"Event": &periskope.Event{},
	}
	for name, v := range targets {
		for _, in := range []string{`[1]`, `"x"`, `3`} {
			if err := json.Unmarshal([]byte(in), v); err == nil {
				t.Errorf("%s accepted %s", name, in)
			}
		}
	}
	var ti periskope.TicketInfo
	if err := json.Unmarshal([]byte(`null`), &ti); err != nil || ti.Raw != nil {
		t.Errorf("null TicketInfo: %v, %+v", err, ti)
	}
}

// Data may arrive as a JSON string holding the object. Unwrapped, it reads
// as the same object sent as an object would: an unpaired surrogate escape
// or an invalid UTF-8 byte of the string makes an id refused by name (so
// "\ud800", "\udbff" and "\udfff" never become one ticket), and a text
// member read as U+FFFD (a subject cut mid-emoji is stored).
func TestTicketInfoStringDataReadsAsObject(t *testing.T) {
	for _, tc := range []struct {
		data    string
		field   string // "-" when accepted
		id      string
		subject string
	}{
		{`"{\"ticket\":{\"ticket_id\":\"\ud800\",\"org_id\":\"o\"}}"`, "ticket.ticket_id", "", ""},
		{`"{\"ticket\":{\"ticket_id\":\"\udbff\",\"org_id\":\"o\"}}"`, "ticket.ticket_id", "", ""},
		{`"{\"ticket\":{\"ticket_id\":\"\udfff\",\"org_id\":\"o\"}}"`, "ticket.ticket_id", "", ""},
		{`"{\"ticket\":{\"ticket_id\":\"T-1\",\"org_id\":\"\uDC00x\"}}"`, "ticket.org_id", "", ""},
		{`"{\"ticket_id\":\"\ud800\",\"org_id\":\"o\"}"`, "ticket.ticket_id", "", ""},
		{"\"{\\\"ticket\\\":{\\\"ticket_id\\\":\\\"\xff\\\"}}\"", "ticket.ticket_id", "", ""},
		{`"{\"ticket\":{\"ticket_id\":\"\\ud800\",\"org_id\":\"o\"}}"`, "ticket.ticket_id", "", ""},
		{`"{\"ticket\":{\"ticket_id\":\"T-1\",\"subject\":\"\udfff\"}}"`, "-", "T-1", "\uFFFD"},
		{`"{\"ticket\":{\"ticket_id\":\"T-1\",\"subject\":\"Hi \ud83d\"}}"`, "-", "T-1", "Hi \uFFFD"},
		{"\"{\\\"ticket\\\":{\\\"ticket_id\\\":\\\"T-1\\\",\\\"subject\\\":\\\"a\xffb\\\"}}\"", "-", "T-1", "a\uFFFDb"},
		{`"{\"ticket\":{\"ticket_id\":\"\ud83d\ude00\",\"org_id\":\"o\"}}"`, "-", "\U0001F600", ""},
		// A surrogate of the string next to an escape of the unwrapped
		// text pairs as the UTF-16 code units do.
		{`"{\"ticket\":{\"ticket_id\":\"\ud83d\\ude00\",\"org_id\":\"o\"}}"`, "-", "\U0001F600", ""},
		{`"{\"ticket\":{\"ticket_id\":\"T-1\",\"org_id\":\"o\"}}"`, "-", "T-1", ""},
	} {
		t.Run(tc.data, func(t *testing.T) {
			e, err := periskope.ParseEvent([]byte(`{"event":"ticket.created","org_id":"o","data":` + tc.data + `}`))
			if err != nil {
				t.Fatal(err)
			}
			ti, err := e.TicketInfo()
			if tc.field == "-" {
				if err != nil || ti.Ticket == nil || ti.Ticket.TicketID != tc.id || ti.Ticket.Subject != tc.subject {
					t.Fatalf("TicketInfo = %+v, %v; want ticket %q, subject %q", ti, err, tc.id, tc.subject)
				}
				return
			}
			var fe *periskope.FieldError
			if !errors.Is(err, periskope.ErrMalformedEvent) || !errors.Is(err, periskope.ErrInvalidID) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("TicketInfo = %+v, %v; want a *FieldError on %q", ti, err, tc.field)
			}
		})
	}
}

// Raw of string-wrapped data is the string's text, as JSON.parse gives it:
// escapes of the string decoded, a surrogate pair to its one character.
func TestTicketInfoStringDataRawIsTheText(t *testing.T) {
	e, err := periskope.ParseEvent([]byte(`{"event":"ticket.created","data":"{\"ticket\":{\"ticket_id\":\"T-1\",\"subject\":\"\ud83d\ude00 \u00e9\\n\"}}"}`))
	if err != nil {
		t.Fatal(err)
	}
	ti, err := e.TicketInfo()
	if want := `{"ticket":{"ticket_id":"T-1","subject":"😀 é\n"}}`; err != nil || string(ti.Raw) != want {
		t.Errorf("Raw = %s, %v; want %s", ti.Raw, err, want)
	}
}

// A surrogate of the string right after a backslash of the unwrapped text
// is an invalid escape there, as it would be in an object: it must not
// become the escaped backslash of "\\" + "ud800", a valid id.
func TestTicketInfoStringDataSurrogateAfterBackslash(t *testing.T) {
	for _, data := range []string{
		`"{\"ticket\":{\"ticket_id\":\"\\\ud800\",\"org_id\":\"o\"}}"`,
		`"{\"ticket\":{\"ticket_id\":\"\\\\\\\udfff\",\"org_id\":\"o\"}}"`,
	} {
		e, err := periskope.ParseEvent([]byte(`{"event":"ticket.created","org_id":"o","data":` + data + `}`))
		if err != nil {
			t.Fatal(err)
		}
		ti, err := e.TicketInfo()
		var fe *periskope.FieldError
		if !errors.Is(err, periskope.ErrMalformedEvent) || errors.As(err, &fe) {
			t.Errorf("%s: TicketInfo = %+v, %v; want malformed data", data, ti, err)
		}
	}
	// An even run of backslashes escapes itself: the surrogate is kept.
	e, err := periskope.ParseEvent([]byte(`{"event":"ticket.created","org_id":"o","data":"{\"ticket\":{\"ticket_id\":\"\\\\\ud800\",\"org_id\":\"o\"}}"}`))
	if err != nil {
		t.Fatal(err)
	}
	var fe *periskope.FieldError
	if _, err := e.TicketInfo(); !errors.As(err, &fe) || fe.Field != "ticket.ticket_id" {
		t.Errorf("even backslashes: %v; want ticket.ticket_id refused", err)
	}
}
