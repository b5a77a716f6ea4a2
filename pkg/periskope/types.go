package periskope

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Periskope's API URL, ticket statuses, webhook signature header and events.
const (
	DefaultBaseURL = "https://api.periskope.app/v1"

	StatusOpen       = "open"
	StatusInProgress = "inprogress"
	StatusClosed     = "closed"
	StatusArchived   = "archived"

	SignatureHeader = "x-periskope-signature"

	EventTicketCreated = "ticket.created"
	EventTicketUpdated = "ticket.updated"
	EventTicketDeleted = "ticket.deleted"
)

// Priority is a ticket priority; PriorityNone is none.
type Priority int

// Ticket priorities.
const (
	PriorityNone   Priority = 0
	PriorityLow    Priority = 1
	PriorityMedium Priority = 2
	PriorityHigh   Priority = 3
	PriorityUrgent Priority = 4
)

// CreateTicketRequest is the body of POST /tickets/create.
type CreateTicketRequest struct {
	ChatID          string   `json:"chat_id"`            // required: <digits>@c.us for a person, ...@g.us for a group
	Subject         string   `json:"subject"`            // required
	Labels          string   `json:"labels,omitempty"`   // comma-separated; unknown labels are created
	Assignee        string   `json:"assignee,omitempty"` // email of a member of the organisation
	QuotedMessageID string   `json:"quoted_message_id,omitempty"`
	DueDate         string   `json:"due_date,omitempty"` // such as "2025-04-20"
	Priority        Priority `json:"priority,omitempty"` // PriorityNone leaves Periskope's default (low)
	Status          string   `json:"status,omitempty"`   // empty means open
}

// UpdateTicketRequest is the body of PATCH /tickets/{id}; nil fields stay.
type UpdateTicketRequest struct {
	Subject  *string   `json:"subject,omitempty"`
	Assignee *string   `json:"assignee,omitempty"`
	DueDate  *string   `json:"due_date,omitempty"`
	Labels   *string   `json:"labels,omitempty"` // replaces the current labels
	Priority *Priority `json:"priority,omitempty"`
	Status   *string   `json:"status,omitempty"`
}

// ListTicketsParams pages through GET /tickets.
type ListTicketsParams struct {
	Offset int // tickets to skip
	Limit  int // page size; 0 leaves it to Periskope
}

// TicketInfo is a ticket with its chat and messages; any part may be nil.
type TicketInfo struct {
	Ticket           *Ticket         `json:"ticket"`
	Chat             *Chat           `json:"chat"`
	Message          *Message        `json:"message"`
	AttachedMessages []Message       `json:"attached_messages"`
	Raw              json.RawMessage `json:"-"` // the exact bytes decoded
	TraceID          string          `json:"-"` // x-periskope-trace-id of the answer
}

// Ticket is a Periskope ticket.
type Ticket struct {
	OrgID                  string            `json:"org_id"`
	TicketID               string            `json:"ticket_id"`
	ChatID                 string            `json:"chat_id,omitempty"` // in list answers
	Subject                string            `json:"subject"`
	Status                 string            `json:"status"`
	Priority               Priority          `json:"priority"`
	Assignee               string            `json:"assignee"`
	AssignedBy             string            `json:"assigned_by"`
	RaisedBy               string            `json:"raised_by"` // "" when null
	DueDate                Time              `json:"due_date"`
	CreatedAt              Time              `json:"created_at"`
	ClosedAt               Time              `json:"closed_at"`
	ClosedBy               string            `json:"closed_by"`
	TicketLabels           string            `json:"ticket_labels"`
	QuotedMessageID        string            `json:"quoted_message_id"`
	TicketCustomProperties map[string]string `json:"ticket_custom_properties"` // non-string values keep their JSON text
	IsDeleted              bool              `json:"is_deleted"`
	LastUpdatedAt          Time              `json:"last_updated_at"` // in list answers

	// The JSON text of an identifier that was not an exact JSON string,
	// else "": Event.TicketInfo refuses such a ticket.
	sentOrgID, sentTicketID string
}

// CheckIDs returns a *FieldError (ErrInvalidID) for an id sent inexactly.
func (t *Ticket) CheckIDs() error { return t.checkIDs("") }

// InexactIDs returns how the ids CheckIDs refuses were sent ("" if exact).
func (t *Ticket) InexactIDs() (orgID, ticketID string) { return t.sentOrgID, t.sentTicketID }

// Chat is the WhatsApp chat a ticket belongs to.
type Chat struct {
	ChatID           string                `json:"chat_id"`
	ChatName         string                `json:"chat_name"`
	ChatType         string                `json:"chat_type"`
	ChatImage        string                `json:"chat_image"`
	OrgID            string                `json:"org_id"`
	OrgPhone         string                `json:"org_phone"`
	ChatLabels       string                `json:"chat_labels"`
	CustomProperties map[string]string     `json:"custom_properties"`
	Members          map[string]ChatMember `json:"members"`
	InviteLink       string                `json:"invite_link"`
	GroupDescription string                `json:"group_description"`
	IsMuted          bool                  `json:"is_muted"`
	CreatedAt        Time                  `json:"created_at"`
}

// ChatMember is one member of a chat, keyed by contact id in Chat.Members.
type ChatMember struct {
	ContactID     string `json:"contact_id"`
	ContactName   string `json:"contact_name"`
	ContactLabels string `json:"contact_labels"`
	ChatID        string `json:"chat_id"`
	OrgID         string `json:"org_id"`
	OrgPhone      string `json:"org_phone"`
	ContactColor  string `json:"contact_color"`
	ContactImage  string `json:"contact_image"`
	IsAdmin       bool   `json:"is_admin"`
	IsSuperAdmin  bool   `json:"is_super_admin"`
	IsInternal    bool   `json:"is_internal"`
}

// Message is a WhatsApp message a ticket quotes or has attached.
type Message struct {
	MessageID   string `json:"message_id"`
	ChatID      string `json:"chat_id"`
	Body        string `json:"body"`
	SenderName  string `json:"sender_name"`
	SenderPhone string `json:"sender_phone"`
	OrgPhone    string `json:"org_phone"`
	Timestamp   Time   `json:"timestamp"`
	MediaPath   string `json:"media_path"`
	PerformedBy string `json:"performed_by"`
}

// TicketList is a page of GET /tickets; From and To are 1-based positions.
type TicketList struct {
	Tickets []Ticket        `json:"tickets"`
	Count   int             `json:"count"`
	From    int             `json:"from"`
	To      int             `json:"to"`
	Raw     json.RawMessage `json:"-"`
	TraceID string          `json:"-"` // x-periskope-trace-id of the answer
}

// UnmarshalJSON accepts a number, a numeric string or a name ("low").
func (p *Priority) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		*p = PriorityNone
		return fmt.Errorf("periskope: priority must be a number or a string, got %.20s", b)
	}
	v, err := priorityOf(jsonText(b))
	*p = v
	return err
}

// MarshalJSON writes a string ("2"), as the create endpoint's schema has it.
func (p Priority) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.Itoa(int(p)) + `"`), nil
}

// Valid reports whether p is one of PriorityLow … PriorityUrgent.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// UnmarshalJSON decodes tolerantly, wrapping a bare ticket; Raw keeps b.
func (ti *TicketInfo) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	v, err := decodeTicketInfo(b)
	if err != nil {
		return fmt.Errorf("periskope: ticket info: %w", err)
	}
	*ti = *v
	return nil
}

// UnmarshalJSON decodes tolerantly.
func (t *Ticket) UnmarshalJSON(b []byte) error { return decodeInto(t, b) }

// ticketListFields is a TicketList without its methods.
type ticketListFields TicketList

// UnmarshalJSON decodes tolerantly, skipping tickets that are not objects.
func (l *TicketList) UnmarshalJSON(b []byte) error {
	if err := decodeInto((*ticketListFields)(l), b); err != nil {
		return err
	}
	l.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Time is a timestamp in any form Periskope sends; Raw keeps its text.
type Time struct {
	time.Time
	Raw string
}

// timeLayouts are tried in order after a space between date and time becomes
// "T" (Postgres writes "2024-05-13 11:19:34+00"). Go parses a fractional
// second where a layout shows none ("2025-01-26T13:46:21.670006+00:00").
var timeLayouts = []string{
	time.RFC3339,               // 2024-05-13T17:27:15+00:00, ...Z
	"2006-01-02T15:04:05Z0700", // +0000
	"2006-01-02T15:04:05Z07",   // +00
	"2006-01-02T15:04:05",      // no zone: UTC
	time.DateOnly,              // 2025-04-20: midnight UTC
}

// parseTime parses a Periskope timestamp in any of the forms Time accepts.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + strings.TrimLeft(s[10:], " ") // time.Parse lets one layout space match several
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// UnmarshalJSON accepts a timestamp string, epoch (milli)seconds or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	ok := false
	if jsontext.Value(b).IsValid(jsontext.AllowInvalidUTF8(true)) {
		*t, ok = timeOf(bytes.TrimSpace(b))
	}
	if !ok {
		*t = Time{}
		return fmt.Errorf("periskope: unrecognised timestamp %s", b)
	}
	return nil
}

// MarshalJSON writes Raw if set, else RFC 3339, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	switch {
	case t.Raw != "":
		return json.Marshal(t.Raw)
	case t.IsZero():
		return []byte("null"), nil
	default:
		return json.Marshal(t.Format(time.RFC3339Nano))
	}
}
