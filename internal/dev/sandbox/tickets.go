package sandbox

import (
	"strings"
	"time"
)

// timestampLayout is how Periskope writes timestamps ("2025-01-26T13:46:21.670006+00:00").
const timestampLayout = "2006-01-02T15:04:05.000000-07:00"

// ticket is one ticket the sandbox holds.
type ticket struct {
	id              string
	chatID          string
	subject         string
	status          string
	priority        int
	assignee        string
	dueDate         string
	labels          string
	quotedMessageID string
	createdAt       time.Time
	updatedAt       time.Time
}

// The JSON shapes below follow the seed 200 example of create (ticket info)
// and Periskope's "Get Tickets" example (list items), field for field.

type ticketInfoJSON struct {
	AttachedMessages []messageJSON `json:"attached_messages"`
	Chat             chatJSON      `json:"chat"`
	Message          *messageJSON  `json:"message"`
	Ticket           ticketJSON    `json:"ticket"`
}

type ticketJSON struct {
	AssignedBy             string            `json:"assigned_by"`
	Assignee               string            `json:"assignee"`
	CreatedAt              string            `json:"created_at"`
	DueDate                string            `json:"due_date"`
	IsDeleted              bool              `json:"is_deleted"`
	OrgID                  string            `json:"org_id"`
	Priority               int               `json:"priority"`
	QuotedMessageID        string            `json:"quoted_message_id"`
	RaisedBy               *string           `json:"raised_by"`
	Status                 string            `json:"status"`
	Subject                string            `json:"subject"`
	TicketCustomProperties map[string]string `json:"ticket_custom_properties"`
	TicketID               string            `json:"ticket_id"`
	TicketLabels           string            `json:"ticket_labels"`
}

type chatJSON struct {
	ChatID           string                `json:"chat_id"`
	ChatImage        *string               `json:"chat_image"`
	ChatLabels       string                `json:"chat_labels"`
	ChatName         string                `json:"chat_name"`
	ChatType         string                `json:"chat_type"`
	CreatedAt        string                `json:"created_at"`
	CustomProperties map[string]string     `json:"custom_properties"`
	GroupDescription *string               `json:"group_description"`
	InviteLink       *string               `json:"invite_link"`
	IsMuted          bool                  `json:"is_muted"`
	Members          map[string]memberJSON `json:"members"`
	OrgID            string                `json:"org_id"`
	OrgPhone         string                `json:"org_phone"`
}

type memberJSON struct {
	ChatID        string `json:"chat_id"`
	ContactColor  string `json:"contact_color"`
	ContactID     string `json:"contact_id"`
	ContactImage  string `json:"contact_image"`
	ContactLabels string `json:"contact_labels"`
	ContactName   string `json:"contact_name"`
	IsAdmin       bool   `json:"is_admin"`
	IsInternal    bool   `json:"is_internal"`
	IsSuperAdmin  bool   `json:"is_super_admin"`
	OrgID         string `json:"org_id"`
	OrgPhone      string `json:"org_phone"`
}

type messageJSON struct {
	Body        string  `json:"body"`
	ChatID      string  `json:"chat_id"`
	MediaPath   string  `json:"media_path"`
	MessageID   string  `json:"message_id"`
	OrgPhone    string  `json:"org_phone"`
	PerformedBy *string `json:"performed_by"`
	SenderName  string  `json:"sender_name"`
	SenderPhone string  `json:"sender_phone"`
	Timestamp   string  `json:"timestamp"`
}

type listItemJSON struct {
	AssignedBy       *string           `json:"assigned_by"`
	Assignee         string            `json:"assignee"`
	ChatID           string            `json:"chat_id"`
	ClosedAt         *string           `json:"closed_at"`
	CreatedAt        string            `json:"created_at"`
	CustomProperties map[string]string `json:"custom_properties"`
	DueDate          *string           `json:"due_date"`
	IsDeleted        bool              `json:"is_deleted"`
	Labels           []string          `json:"labels"`
	LastUpdatedAt    string            `json:"last_updated_at"`
	OrgID            string            `json:"org_id"`
	Priority         int               `json:"priority"`
	QuotedMessageID  *string           `json:"quoted_message_id"`
	RaisedBy         *string           `json:"raised_by"`
	Status           string            `json:"status"`
	Subject          string            `json:"subject"`
	TicketID         string            `json:"ticket_id"`
}

type listJSON struct {
	Count   int            `json:"count"`
	From    int            `json:"from"`
	Tickets []listItemJSON `json:"tickets"`
	To      int            `json:"to"`
}

// info renders t as Periskope's ticket info object.
func (s *Sandbox) info(t *ticket) ticketInfoJSON {
	orgPhone := s.cfg.OrgPhone + "@c.us"
	contact := strings.SplitN(t.chatID, "@", 2)[0]
	isGroup := strings.HasSuffix(t.chatID, "@g.us")
	chat := chatJSON{
		ChatID:           t.chatID,
		ChatName:         "Local contact " + contact,
		ChatType:         "user",
		CreatedAt:        format(t.createdAt),
		CustomProperties: map[string]string{},
		Members: map[string]memberJSON{
			orgPhone: s.member(t.chatID, orgPhone, "Support", true),
		},
		OrgID:    s.cfg.OrgID,
		OrgPhone: orgPhone,
	}
	if isGroup {
		chat.ChatName, chat.ChatType = "Local group "+contact, "group"
	} else {
		chat.Members[t.chatID] = s.member(t.chatID, t.chatID, chat.ChatName, false)
	}
	info := ticketInfoJSON{
		AttachedMessages: []messageJSON{},
		Chat:             chat,
		Ticket: ticketJSON{
			Assignee:               t.assignee,
			CreatedAt:              format(t.createdAt),
			DueDate:                t.dueDate,
			OrgID:                  s.cfg.OrgID,
			Priority:               t.priority,
			QuotedMessageID:        t.quotedMessageID,
			Status:                 t.status,
			Subject:                t.subject,
			TicketCustomProperties: map[string]string{},
			TicketID:               t.id,
			TicketLabels:           t.labels,
		},
	}
	if t.quotedMessageID != "" {
		info.Message = &messageJSON{
			Body:        "(message quoted by the ticket, from the local sandbox)",
			ChatID:      t.chatID,
			MessageID:   "false_" + t.chatID + "_" + t.quotedMessageID,
			OrgPhone:    orgPhone,
			SenderName:  chat.ChatName,
			SenderPhone: contact,
			Timestamp:   format(t.createdAt),
		}
	}
	return info
}

func (s *Sandbox) member(chatID, contactID, name string, internal bool) memberJSON {
	return memberJSON{
		ChatID: chatID, ContactColor: "#B4876E", ContactID: contactID, ContactName: name,
		IsAdmin: true, IsInternal: internal, IsSuperAdmin: true,
		OrgID: s.cfg.OrgID, OrgPhone: s.cfg.OrgPhone + "@c.us",
	}
}

// listItem renders t as an item of GET /tickets.
func (s *Sandbox) listItem(t *ticket) listItemJSON {
	item := listItemJSON{
		Assignee:         t.assignee,
		ChatID:           t.chatID,
		CreatedAt:        format(t.createdAt),
		CustomProperties: map[string]string{},
		Labels:           splitLabels(t.labels),
		LastUpdatedAt:    format(t.updatedAt),
		OrgID:            s.cfg.OrgID,
		Priority:         t.priority,
		Status:           t.status,
		Subject:          t.subject,
		TicketID:         t.id,
	}
	if t.dueDate != "" {
		item.DueDate = &t.dueDate
	}
	if t.quotedMessageID != "" {
		item.QuotedMessageID = &t.quotedMessageID
	}
	if t.status == "closed" {
		closed := format(t.updatedAt)
		item.ClosedAt = &closed
	}
	return item
}

func splitLabels(labels string) []string {
	out := []string{}
	for l := range strings.SplitSeq(labels, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func format(t time.Time) string { return t.UTC().Format(timestampLayout) }
