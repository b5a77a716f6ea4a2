package createticket_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// baseline is a valid request with every field; cases change one member.
func baseline() map[string]any {
	return map[string]any{
		"chat_id":           "919876543210@c.us",
		"subject":           "Printer on fire",
		"priority":          3,
		"status":            "open",
		"due_date":          "2025-04-20",
		"assignee":          "agent@example.com",
		"labels":            "billing, urgent",
		"quoted_message_id": "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B",
	}
}

// with returns baseline with name set to value, or removed for the value del.
func with(name string, value any) []byte {
	m := baseline()
	if value == del {
		delete(m, name)
	} else {
		m[name] = value
	}
	b, _ := json.Marshal(m)
	return b
}

type deletion struct{}

var del = deletion{}

func TestParseRequestBaseline(t *testing.T) {
	body, _ := json.Marshal(baseline())
	got, apiErr := createticket.ParseRequest(body)
	if apiErr != nil {
		t.Fatalf("baseline refused: %+v", apiErr)
	}
	want := periskope.CreateTicketRequest{
		ChatID: "919876543210@c.us", Subject: "Printer on fire", Priority: periskope.PriorityHigh, Status: "open",
		DueDate: "2025-04-20", Assignee: "agent@example.com", Labels: "billing, urgent",
		QuotedMessageID: "3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B",
	}
	if got != want {
		t.Errorf("ParseRequest = %+v\nwant %+v", got, want)
	}
}

func TestParseRequestAccepts(t *testing.T) {
	cases := []struct {
		name  string
		field string
		value any
		check func(periskope.CreateTicketRequest) bool
	}{
		{"bare digits get @c.us", "chat_id", "919876543210", func(r periskope.CreateTicketRequest) bool { return r.ChatID == "919876543210@c.us" }},
		{"group id", "chat_id", "120363392071406466@g.us", func(r periskope.CreateTicketRequest) bool { return r.ChatID == "120363392071406466@g.us" }},
		{"old-style group id", "chat_id", "919876543210-1612345678@g.us", func(r periskope.CreateTicketRequest) bool { return r.ChatID == "919876543210-1612345678@g.us" }},
		{"suffix case and spaces", "chat_id", " 919876543210@C.US ", func(r periskope.CreateTicketRequest) bool { return r.ChatID == "919876543210@c.us" }},
		{"subject trimmed", "subject", "  Printer on fire \t", func(r periskope.CreateTicketRequest) bool { return r.Subject == "Printer on fire" }},
		{"subject at the limit", "subject", strings.Repeat("é", createticket.MaxSubjectLength), func(r periskope.CreateTicketRequest) bool {
			return len([]rune(r.Subject)) == createticket.MaxSubjectLength
		}},
		{"priority number", "priority", 1, func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityLow }},
		{"priority string", "priority", "4", func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityUrgent }},
		{"priority integral float", "priority", 2.0, func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityMedium }},
		{"priority name", "priority", "High", func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityHigh }},
		{"priority null", "priority", nil, func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityNone }},
		{"priority blank", "priority", " ", func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityNone }},
		{"priority absent", "priority", del, func(r periskope.CreateTicketRequest) bool { return r.Priority == periskope.PriorityNone }},
		{"status any case", "status", "InProgress", func(r periskope.CreateTicketRequest) bool { return r.Status == "inprogress" }},
		{"status archived", "status", "archived", func(r periskope.CreateTicketRequest) bool { return r.Status == "archived" }},
		{"status blank", "status", "", func(r periskope.CreateTicketRequest) bool { return r.Status == "" }},
		{"due date RFC 3339", "due_date", "2025-04-20T17:30:00+05:30", func(r periskope.CreateTicketRequest) bool { return r.DueDate == "2025-04-20T17:30:00+05:30" }},
		{"due date UTC fraction", "due_date", "2025-04-20T12:00:00.5Z", func(r periskope.CreateTicketRequest) bool { return r.DueDate == "2025-04-20T12:00:00.5Z" }},
		{"due date null", "due_date", nil, func(r periskope.CreateTicketRequest) bool { return r.DueDate == "" }},
		{"assignee trimmed", "assignee", " agent@example.com ", func(r periskope.CreateTicketRequest) bool { return r.Assignee == "agent@example.com" }},
		{"labels array", "labels", []string{"billing", " urgent ", ""}, func(r periskope.CreateTicketRequest) bool { return r.Labels == "billing, urgent" }},
		{"labels string normalised", "labels", "billing,urgent,, ", func(r periskope.CreateTicketRequest) bool { return r.Labels == "billing, urgent" }},
		{"labels empty array", "labels", []string{}, func(r periskope.CreateTicketRequest) bool { return r.Labels == "" }},
		{"labels at the limit", "labels", strings.Repeat("l,", createticket.MaxLabels), func(r periskope.CreateTicketRequest) bool {
			return strings.Count(r.Labels, "l") == createticket.MaxLabels
		}},
		{"quoted message id long form", "quoted_message_id", "true_919537851844@c.us_3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B", func(r periskope.CreateTicketRequest) bool {
			return r.QuotedMessageID == "true_919537851844@c.us_3EB0ABB7C973860FC19EBE05FD934141CCEC2D8B"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, apiErr := createticket.ParseRequest(with(c.field, c.value))
			if apiErr != nil {
				t.Fatalf("refused: %+v", apiErr)
			}
			if !c.check(got) {
				t.Errorf("ParseRequest = %+v", got)
			}
		})
	}
}

func TestParseRequestRefuses(t *testing.T) {
	cases := []struct {
		name  string
		field string
		value any
		code  string
	}{
		{"chat_id missing", "chat_id", del, "missing_field"},
		{"chat_id null", "chat_id", nil, "missing_field"},
		{"chat_id blank", "chat_id", " ", "missing_field"},
		{"chat_id number", "chat_id", 919876543210, "invalid_field"},
		{"chat_id with plus", "chat_id", "+919876543210", "invalid_field"},
		{"chat_id with spaces", "chat_id", "91 98765 43210", "invalid_field"},
		{"chat_id other suffix", "chat_id", "919876543210@s.whatsapp.net", "invalid_field"},
		{"chat_id too short", "chat_id", "12345@c.us", "invalid_field"},
		{"chat_id too long", "chat_id", "1234567890123456@c.us", "invalid_field"},
		{"chat_id empty local part", "chat_id", "@g.us", "invalid_field"},
		{"subject missing", "subject", del, "missing_field"},
		{"subject blank", "subject", " \t ", "missing_field"},
		{"subject not a string", "subject", []string{"a"}, "invalid_field"},
		{"subject too long", "subject", strings.Repeat("x", createticket.MaxSubjectLength+1), "invalid_field"},
		{"subject two lines", "subject", "first\nsecond", "invalid_field"},
		{"priority zero", "priority", 0, "invalid_field"},
		{"priority five", "priority", 5, "invalid_field"},
		{"priority string five", "priority", "5", "invalid_field"},
		{"priority fraction", "priority", 2.5, "invalid_field"},
		{"priority negative", "priority", -1, "invalid_field"},
		{"priority bool", "priority", true, "invalid_field"},
		{"priority word", "priority", "asap", "invalid_field"},
		{"status unknown", "status", "pending", "invalid_field"},
		{"status with underscore", "status", "in_progress", "invalid_field"},
		{"status number", "status", 1, "invalid_field"},
		{"due date words", "due_date", "next friday", "invalid_field"},
		{"due date impossible", "due_date", "2025-02-30", "invalid_field"},
		{"due date without zone", "due_date", "2025-04-20T10:00:00", "invalid_field"},
		{"due date number", "due_date", 1745143200, "invalid_field"},
		{"assignee not an email", "assignee", "agent", "invalid_field"},
		{"assignee with name", "assignee", "Agent <agent@example.com>", "invalid_field"},
		{"assignee too long", "assignee", strings.Repeat("a", 250) + "@example.com", "invalid_field"},
		{"assignee number", "assignee", 7, "invalid_field"},
		{"labels number", "labels", 3, "invalid_field"},
		{"labels object", "labels", map[string]string{"a": "b"}, "invalid_field"},
		{"labels array of numbers", "labels", []int{1, 2}, "invalid_field"},
		{"labels array element with comma", "labels", []string{"a,b"}, "invalid_field"},
		{"labels too many", "labels", strings.Repeat("l,", createticket.MaxLabels+1), "invalid_field"},
		{"label too long", "labels", strings.Repeat("x", createticket.MaxLabelLength+1), "invalid_field"},
		{"quoted message id with space", "quoted_message_id", "3EB0 ABB7", "invalid_field"},
		{"quoted message id too long", "quoted_message_id", strings.Repeat("A", createticket.MaxQuotedMessageLength+1), "invalid_field"},
		{"quoted message id number", "quoted_message_id", 12, "invalid_field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, apiErr := createticket.ParseRequest(with(c.field, c.value))
			if apiErr == nil {
				t.Fatal("accepted")
			}
			if apiErr.Status != 400 || apiErr.Code != c.code || apiErr.Field != c.field || apiErr.Message == "" {
				t.Errorf("error = %+v, want 400 %s on %s", apiErr, c.code, c.field)
			}
		})
	}
}

func TestParseRequestBodyShape(t *testing.T) {
	cases := []struct {
		name, body, code, field string
	}{
		{"empty", "", "invalid_json", ""},
		{"blank", " \n ", "invalid_json", ""},
		{"malformed", `{"chat_id": "919876543210@c.us", "subject": "x"`, "invalid_json", ""},
		{"trailing data", `{"chat_id": "919876543210@c.us", "subject": "x"} {}`, "invalid_json", ""},
		{"array", `[{"chat_id": "919876543210@c.us", "subject": "x"}]`, "invalid_body", ""},
		{"string", `"hello"`, "invalid_body", ""},
		{"null", `null`, "invalid_body", ""},
		{"unknown field", `{"chat_id": "919876543210@c.us", "subject": "x", "sujbect": "y"}`, "unknown_field", "sujbect"},
		{"unknown fields, first named", `{"chat_id": "919876543210@c.us", "subject": "x", "zeta": 1, "alpha": 2}`, "unknown_field", "alpha"},
		{"field given twice", `{"chat_id": "919876543210@c.us", "subject": "x", "subject": "y"}`, "invalid_field", "subject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, apiErr := createticket.ParseRequest([]byte(c.body))
			if apiErr == nil {
				t.Fatal("accepted")
			}
			if apiErr.Status != 400 || apiErr.Code != c.code || apiErr.Field != c.field {
				t.Errorf("error = %+v, want 400 %s field %q", apiErr, c.code, c.field)
			}
		})
	}
	t.Run("unknown fields are all named", func(t *testing.T) {
		_, apiErr := createticket.ParseRequest([]byte(`{"chat_id": "919876543210@c.us", "subject": "x", "zeta": 1, "alpha": 2}`))
		if apiErr == nil || !strings.Contains(apiErr.Message, `"alpha"`) || !strings.Contains(apiErr.Message, `"zeta"`) {
			t.Errorf("error = %+v, want both names in the message", apiErr)
		}
	})
}

// Equivalent spellings normalise to the same request, which is what the
// idempotency fingerprint is computed from.
func TestParseRequestNormalisesEquivalents(t *testing.T) {
	a, errA := createticket.ParseRequest([]byte(`{"chat_id":"919876543210","subject":" Printer on fire ","priority":2,"labels":["a","b"],"status":"OPEN"}`))
	b, errB := createticket.ParseRequest([]byte(`{"status":"open","labels":"a,b","priority":"2","subject":"Printer on fire","chat_id":"919876543210@c.us"}`))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a != b {
		t.Errorf("equivalent bodies differ:\n%+v\n%+v", a, b)
	}
}
