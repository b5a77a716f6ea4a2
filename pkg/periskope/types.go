package periskope

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Ticket statuses accepted by Periskope.
const (
	StatusOpen       = "open"
	StatusInProgress = "inprogress"
	StatusClosed     = "closed"
	StatusArchived   = "archived"
)

// Priority is a ticket priority: 1 Low, 2 Medium, 3 High, 4 Urgent; 0 means none.
// It decodes from a JSON number or a numeric string and encodes as a string,
// as the create endpoint's schema types it.
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
	ChatID          string   `json:"chat_id"`                     // required: <digits>@c.us for a person, ...@g.us for a group
	Subject         string   `json:"subject"`                     // required
	Labels          string   `json:"labels,omitempty"`            // comma-separated; unknown labels are created
	Assignee        string   `json:"assignee,omitempty"`          // email of a member of the organisation
	QuotedMessageID string   `json:"quoted_message_id,omitempty"` // the message the ticket is raised from
	DueDate         string   `json:"due_date,omitempty"`          // a date string such as "2025-04-20"
	Priority        Priority `json:"priority,omitempty"`          // PriorityNone leaves Periskope's default (low)
	Status          string   `json:"status,omitempty"`            // a Status constant; empty means open
}

// UpdateTicketRequest is the body of PATCH /tickets/{ticket_id}. Nil fields are
// left unchanged; a pointer to "" is sent (e.g. to unassign).
type UpdateTicketRequest struct {
	Subject  *string   `json:"subject,omitempty"`  // new subject
	Assignee *string   `json:"assignee,omitempty"` // email of a member of the organisation
	DueDate  *string   `json:"due_date,omitempty"` // a date string such as "2025-04-20"
	Labels   *string   `json:"labels,omitempty"`   // comma-separated; replaces the current labels
	Priority *Priority `json:"priority,omitempty"` // 1–4
	Status   *string   `json:"status,omitempty"`   // a Status constant
}

// ListTicketsParams pages through GET /tickets.
type ListTicketsParams struct {
	Offset int // tickets to skip; 0 starts at the first
	Limit  int // page size; 0 leaves it to Periskope
}

// TicketInfo is Periskope's "ticket info" object: a ticket with the chat and
// messages it was raised from. Any part may be nil. Raw holds the exact bytes
// it was decoded from, so callers can pass it on without losing fields this
// package does not model.
type TicketInfo struct {
	Ticket           *Ticket         `json:"ticket"`
	Chat             *Chat           `json:"chat"`
	Message          *Message        `json:"message"`
	AttachedMessages []Message       `json:"attached_messages"`
	Raw              json.RawMessage `json:"-"`
	// TraceID is the x-periskope-trace-id of the answer it came in, if any.
	TraceID string `json:"-"`
}

// Ticket is a Periskope ticket.
type Ticket struct {
	OrgID                  string            `json:"org_id"`
	TicketID               string            `json:"ticket_id"`
	ChatID                 string            `json:"chat_id,omitempty"` // in list answers
	Subject                string            `json:"subject"`
	Status                 string            `json:"status"`
	Priority               Priority          `json:"priority"` // 0 when none
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

	// looseIDs are the identifiers (ticket_id, org_id) that were not
	// exact JSON strings; Event.TicketInfo refuses them.
	looseIDs idSet
}

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

// TicketList is one page of GET /tickets. Periskope answers
// {"count", "from", "to", "tickets"}; From and To are the 1-based positions
// of the first and last ticket of the page.
type TicketList struct {
	Tickets []Ticket        `json:"tickets"`
	Count   int             `json:"count"`
	From    int             `json:"from"`
	To      int             `json:"to"`
	Raw     json.RawMessage `json:"-"`
	// TraceID is the x-periskope-trace-id of the answer it came in, if any.
	TraceID string `json:"-"`
}

// UnmarshalJSON decodes a JSON number or a string holding one ("2"), a
// priority name ("low", "medium", "high", "urgent", "none"), or null / ""
// (PriorityNone).
func (p *Priority) UnmarshalJSON(b []byte) error {
	*p = PriorityNone
	s := rawString(b)
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return fmt.Errorf("periskope: priority must be a number or a string, got %.20s", b)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		*p = Priority(n)
		return nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int(x)) {
		*p = Priority(int(x))
		return nil
	}
	switch strings.ToLower(s) {
	case "none":
		*p = PriorityNone
	case "low":
		*p = PriorityLow
	case "medium":
		*p = PriorityMedium
	case "high":
		*p = PriorityHigh
	case "urgent":
		*p = PriorityUrgent
	default:
		return fmt.Errorf("periskope: unknown priority %q", s)
	}
	return nil
}

// MarshalJSON encodes p as a string ("2"), as the create endpoint's schema
// types it. With omitempty a PriorityNone field is left out.
func (p Priority) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.Itoa(int(p)) + `"`), nil
}

// Valid reports whether p is one of PriorityLow … PriorityUrgent.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// UnmarshalJSON decodes a ticket info object tolerantly (see Ticket) and keeps
// a copy of b in Raw.
func (ti *TicketInfo) UnmarshalJSON(b []byte) error {
	if v, ok := fastTicketInfo(b); ok {
		*ti = v
		return nil
	}
	return ti.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (ti *TicketInfo) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: ticket info: %w", err)
	}
	if f == nil { // null: leave ti as it is, as encoding/json does
		return nil
	}
	*ti = TicketInfo{Raw: append(json.RawMessage(nil), b...)}
	var t Ticket
	if f.object("ticket", &t) {
		ti.Ticket = &t
	}
	var c Chat
	if f.object("chat", &c) {
		ti.Chat = &c
	}
	var m Message
	if f.object("message", &m) {
		ti.Message = &m
	}
	ti.AttachedMessages = objects[Message](f["attached_messages"])
	return nil
}

// UnmarshalJSON decodes a ticket tolerantly: null, missing or mistyped
// members give zero values, unknown members are ignored, priority may be a
// number or a string, and timestamps may take any form Time accepts. Only
// input that is not a JSON object fails.
func (t *Ticket) UnmarshalJSON(b []byte) error {
	if v, ok := fastTicket(b); ok {
		*t = v
		return nil
	}
	return t.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (t *Ticket) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: ticket: %w", err)
	}
	var loose idSet
	orgID := f.id("org_id", idOrgID, &loose)
	ticketID := f.id("ticket_id", idTicketID, &loose)
	*t = Ticket{
		OrgID:                  orgID,
		TicketID:               ticketID,
		ChatID:                 f.str("chat_id"),
		Subject:                f.str("subject"),
		Status:                 f.str("status"),
		Priority:               f.priority("priority"),
		Assignee:               f.str("assignee"),
		AssignedBy:             f.str("assigned_by"),
		RaisedBy:               f.str("raised_by"),
		DueDate:                f.time("due_date"),
		CreatedAt:              f.time("created_at"),
		ClosedAt:               f.time("closed_at"),
		ClosedBy:               f.str("closed_by"),
		TicketLabels:           f.str("ticket_labels"),
		QuotedMessageID:        f.str("quoted_message_id"),
		TicketCustomProperties: f.stringMap("ticket_custom_properties"),
		IsDeleted:              f.boolean("is_deleted"),
		LastUpdatedAt:          f.time("last_updated_at"),
		looseIDs:               loose,
	}
	return nil
}

// UnmarshalJSON decodes a chat tolerantly, as Ticket does.
func (c *Chat) UnmarshalJSON(b []byte) error {
	if v, ok := fastChat(b); ok {
		*c = v
		return nil
	}
	return c.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (c *Chat) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: chat: %w", err)
	}
	*c = Chat{
		ChatID:           f.str("chat_id"),
		ChatName:         f.str("chat_name"),
		ChatType:         f.str("chat_type"),
		ChatImage:        f.str("chat_image"),
		OrgID:            f.str("org_id"),
		OrgPhone:         f.str("org_phone"),
		ChatLabels:       f.str("chat_labels"),
		CustomProperties: f.stringMap("custom_properties"),
		InviteLink:       f.str("invite_link"),
		GroupDescription: f.str("group_description"),
		IsMuted:          f.boolean("is_muted"),
		CreatedAt:        f.time("created_at"),
	}
	if members, err := decodeFields(f["members"]); err == nil && members != nil {
		c.Members = make(map[string]ChatMember, len(members))
		for id, raw := range members {
			var m ChatMember
			if decodeObject(raw, &m) {
				c.Members[id] = m
			}
		}
	}
	return nil
}

// UnmarshalJSON decodes a chat member tolerantly, as Ticket does.
func (m *ChatMember) UnmarshalJSON(b []byte) error {
	if v, ok := fastChatMember(b); ok {
		*m = v
		return nil
	}
	return m.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (m *ChatMember) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: chat member: %w", err)
	}
	*m = ChatMember{
		ContactID:     f.str("contact_id"),
		ContactName:   f.str("contact_name"),
		ContactLabels: f.str("contact_labels"),
		ChatID:        f.str("chat_id"),
		OrgID:         f.str("org_id"),
		OrgPhone:      f.str("org_phone"),
		ContactColor:  f.str("contact_color"),
		ContactImage:  f.str("contact_image"),
		IsAdmin:       f.boolean("is_admin"),
		IsSuperAdmin:  f.boolean("is_super_admin"),
		IsInternal:    f.boolean("is_internal"),
	}
	return nil
}

// UnmarshalJSON decodes a message tolerantly, as Ticket does.
func (m *Message) UnmarshalJSON(b []byte) error {
	if v, ok := fastMessage(b); ok {
		*m = v
		return nil
	}
	return m.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (m *Message) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: message: %w", err)
	}
	*m = Message{
		MessageID:   f.str("message_id"),
		ChatID:      f.str("chat_id"),
		Body:        f.str("body"),
		SenderName:  f.str("sender_name"),
		SenderPhone: f.str("sender_phone"),
		OrgPhone:    f.str("org_phone"),
		Timestamp:   f.time("timestamp"),
		MediaPath:   f.str("media_path"),
		PerformedBy: f.str("performed_by"),
	}
	return nil
}

// UnmarshalJSON decodes a page of tickets tolerantly and keeps a copy of b in
// Raw. Tickets that are not objects are skipped.
func (l *TicketList) UnmarshalJSON(b []byte) error {
	if v, ok := fastTicketList(b); ok {
		*l = v
		return nil
	}
	return l.decodeTolerant(b)
}

// decodeTolerant is UnmarshalJSON member by member: the fallback for input
// the fast path leaves (see fastdecode.go), and its reference in tests.
func (l *TicketList) decodeTolerant(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return fmt.Errorf("periskope: ticket list: %w", err)
	}
	*l = TicketList{
		Tickets: objects[Ticket](f["tickets"]),
		Count:   f.integer("count"),
		From:    f.integer("from"),
		To:      f.integer("to"),
		Raw:     append(json.RawMessage(nil), b...),
	}
	return nil
}
