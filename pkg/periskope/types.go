package periskope

import "encoding/json"

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
	ChatID          string   `json:"chat_id"`
	Subject         string   `json:"subject"`
	Labels          string   `json:"labels,omitempty"`
	Assignee        string   `json:"assignee,omitempty"`
	QuotedMessageID string   `json:"quoted_message_id,omitempty"`
	DueDate         string   `json:"due_date,omitempty"`
	Priority        Priority `json:"priority,omitempty"`
	Status          string   `json:"status,omitempty"`
}

// UpdateTicketRequest is the body of PATCH /tickets/{ticket_id}. Nil fields are
// left unchanged.
type UpdateTicketRequest struct {
	Subject  *string   `json:"subject,omitempty"`
	Assignee *string   `json:"assignee,omitempty"`
	DueDate  *string   `json:"due_date,omitempty"`
	Labels   *string   `json:"labels,omitempty"`
	Priority *Priority `json:"priority,omitempty"`
	Status   *string   `json:"status,omitempty"`
}

// ListTicketsParams pages through GET /tickets.
type ListTicketsParams struct {
	Offset int
	Limit  int
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
	Subject                string            `json:"subject"`
	Status                 string            `json:"status"`
	Priority               Priority          `json:"priority"`
	Assignee               string            `json:"assignee"`
	AssignedBy             string            `json:"assigned_by"`
	RaisedBy               string            `json:"raised_by"`
	DueDate                Time              `json:"due_date"`
	CreatedAt              Time              `json:"created_at"`
	ClosedAt               Time              `json:"closed_at"`
	ClosedBy               string            `json:"closed_by"`
	TicketLabels           string            `json:"ticket_labels"`
	QuotedMessageID        string            `json:"quoted_message_id"`
	TicketCustomProperties map[string]string `json:"ticket_custom_properties"`
	IsDeleted              bool              `json:"is_deleted"`
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

// TicketList is one page of GET /tickets.
type TicketList struct {
	Tickets []Ticket        `json:"tickets"`
	Count   int             `json:"count"`
	Raw     json.RawMessage `json:"-"`
}
