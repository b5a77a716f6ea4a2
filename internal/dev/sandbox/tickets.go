package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// timestampLayout is how Periskope writes timestamps ("2025-01-26T13:46:21.670006+00:00").
const timestampLayout = "2006-01-02T15:04:05.000000-07:00"

var chatIDPattern = regexp.MustCompile(`^[0-9]{5,20}(-[0-9]+)?@(c|g)\.us$`)

// ticket is one ticket the sandbox holds.
type ticket struct {
	id, chatID, subject, status, assignee, dueDate, labels, quotedMessageID string
	priority                                                                int
	createdAt, updatedAt                                                    time.Time
}

// ticketFields is the body of a create or an update; nil members were not
// sent.
type ticketFields struct {
	ChatID          *string `json:"chat_id"`
	QuotedMessageID *string `json:"quoted_message_id"`
	Subject         *string `json:"subject"`
	Assignee        *string `json:"assignee"`
	DueDate         *string `json:"due_date"`
	Labels          *string `json:"labels"`
	Priority        *string `json:"priority"`
	Status          *string `json:"status"`
}

func (s *Sandbox) createTicket(_ *http.Request, body []byte) (any, *apiError) {
	var req ticketFields
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("body: %v", err)
	}
	chatID := deref(req.ChatID)
	if !chatIDPattern.MatchString(chatID) {
		return nil, badRequest("chat_id %q must be <number>@c.us for a person or <id>@g.us for a group", chatID)
	}
	t := &ticket{chatID: chatID, status: periskope.StatusOpen, priority: 1, quotedMessageID: deref(req.QuotedMessageID)}
	if e := applyFields(t, req); e != nil {
		return nil, e
	}
	t.createdAt = time.Now()
	t.updatedAt = t.createdAt
	s.mu.Lock()
	t.id = fmt.Sprintf("%s-%03d", DefaultIDPrefix, len(s.tickets)+1)
	s.tickets = append(s.tickets, t)
	s.byID[t.id] = t
	s.stats.TicketsCreated++
	info := s.info(t)
	s.mu.Unlock()

	s.deliver(periskope.EventTicketCreated, info)
	return info, nil
}

// applyFields checks and sets the changeable fields f sends. An empty
// priority or status keeps the current one: a create's default (the spec
// refuses them empty in an update).
func applyFields(t *ticket, f ticketFields) *apiError {
	if f.Subject != nil {
		t.subject = *f.Subject
	}
	if strings.TrimSpace(t.subject) == "" {
		return badRequest("subject must not be empty")
	}
	if deref(f.Priority) != "" {
		p, err := strconv.Atoi(*f.Priority)
		if err != nil || p < 1 || p > 4 {
			return badRequest("priority %q must be one of 1, 2, 3, 4", *f.Priority)
		}
		t.priority = p
	}
	if deref(f.Status) != "" {
		switch *f.Status {
		case periskope.StatusOpen, periskope.StatusInProgress, periskope.StatusClosed, periskope.StatusArchived:
			t.status = *f.Status
		default:
			return badRequest("status %q must be one of open, inprogress, closed, archived", *f.Status)
		}
	}
	if f.Assignee != nil {
		if _, err := mail.ParseAddress(*f.Assignee); err != nil && *f.Assignee != "" {
			return badRequest("assignee %q must be the email of a user of the organisation", *f.Assignee)
		}
		t.assignee = *f.Assignee
	}
	if f.DueDate != nil {
		if !isDueDate(*f.DueDate) && *f.DueDate != "" {
			return badRequest("due_date %q must be a date (e.g. 2025-04-20)", *f.DueDate)
		}
		t.dueDate = *f.DueDate
	}
	if f.Labels != nil {
		t.labels = *f.Labels
	}
	return nil
}

func (s *Sandbox) getTicket(r *http.Request, _ []byte) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[r.PathValue("id")]
	if !ok {
		return nil, ticketNotFound(r.PathValue("id"))
	}
	return s.info(t), nil
}

func (s *Sandbox) updateTicket(r *http.Request, body []byte) (any, *apiError) {
	var req ticketFields // the spec has refused chat_id and quoted_message_id
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("body: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[r.PathValue("id")]
	if !ok {
		return nil, ticketNotFound(r.PathValue("id"))
	}
	updated := *t
	if e := applyFields(&updated, req); e != nil {
		return nil, e
	}
	updated.updatedAt = time.Now()
	*t = updated
	return s.info(t), nil
}

func (s *Sandbox) listTickets(r *http.Request, _ []byte) (any, *apiError) {
	offset, limit := 0, 50
	if v := r.URL.Query().Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v) // the spec has checked it
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []any{}
	// Newest first, as Periskope lists them.
	for i := len(s.tickets) - 1 - offset; i >= 0 && len(items) < limit; i-- {
		items = append(items, s.listItem(s.tickets[i]))
	}
	return map[string]any{"count": len(s.tickets), "from": offset + 1, "to": offset + len(items), "tickets": items}, nil
}

func ticketNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf("ticket %q not found", id)}
}

// info renders t as Periskope's ticket info object, with the members of the
// seed spec's 200 example of create at every level.
func (s *Sandbox) info(t *ticket) map[string]any {
	orgPhone := s.cfg.OrgPhone + "@c.us"
	contact, _, _ := strings.Cut(t.chatID, "@")
	name, chatType := "Local contact "+contact, "user"
	members := map[string]any{orgPhone: s.member(t.chatID, orgPhone, "Support", true)}
	if strings.HasSuffix(t.chatID, "@g.us") {
		name, chatType = "Local group "+contact, "group"
	} else {
		members[t.chatID] = s.member(t.chatID, t.chatID, name, false)
	}
	var message any // null unless the ticket quotes one
	if t.quotedMessageID != "" {
		message = map[string]any{
			"body": "(message quoted by the ticket, from the local sandbox)", "chat_id": t.chatID, "media_path": "",
			"message_id": "false_" + t.chatID + "_" + t.quotedMessageID, "org_phone": orgPhone, "performed_by": nil,
			"sender_name": name, "sender_phone": contact, "timestamp": format(t.createdAt),
		}
	}
	return map[string]any{
		"attached_messages": []any{},
		"chat": map[string]any{
			"chat_id": t.chatID, "chat_image": nil, "chat_labels": "", "chat_name": name, "chat_type": chatType,
			"created_at": format(t.createdAt), "custom_properties": map[string]any{}, "group_description": nil,
			"invite_link": nil, "is_muted": false, "members": members, "org_id": DefaultOrgID, "org_phone": orgPhone,
		},
		"message": message,
		"ticket": map[string]any{
			"assigned_by": "", "assignee": t.assignee, "created_at": format(t.createdAt), "due_date": t.dueDate,
			"is_deleted": false, "org_id": DefaultOrgID, "priority": t.priority, "quoted_message_id": t.quotedMessageID,
			"raised_by": nil, "status": t.status, "subject": t.subject, "ticket_custom_properties": map[string]any{},
			"ticket_id": t.id, "ticket_labels": t.labels,
		},
	}
}

func (s *Sandbox) member(chatID, contactID, name string, internal bool) map[string]any {
	return map[string]any{
		"chat_id": chatID, "contact_color": "#B4876E", "contact_id": contactID, "contact_image": "",
		"contact_labels": "", "contact_name": name, "is_admin": true, "is_internal": internal,
		"is_super_admin": true, "org_id": DefaultOrgID, "org_phone": s.cfg.OrgPhone + "@c.us",
	}
}

// listItem renders t as an item of GET /tickets, as Periskope's "Get
// Tickets" example has them.
func (s *Sandbox) listItem(t *ticket) map[string]any {
	labels := []string{}
	for l := range strings.SplitSeq(t.labels, ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	var closedAt any
	if t.status == periskope.StatusClosed {
		closedAt = format(t.updatedAt)
	}
	return map[string]any{
		"assigned_by": nil, "assignee": t.assignee, "chat_id": t.chatID, "closed_at": closedAt,
		"created_at": format(t.createdAt), "custom_properties": map[string]any{}, "due_date": orNull(t.dueDate),
		"is_deleted": false, "labels": labels, "last_updated_at": format(t.updatedAt), "org_id": DefaultOrgID,
		"priority": t.priority, "quoted_message_id": orNull(t.quotedMessageID), "raised_by": nil,
		"status": t.status, "subject": t.subject, "ticket_id": t.id,
	}
}

// orNull is s, or JSON null for "".
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func format(t time.Time) string { return t.UTC().Format(timestampLayout) }

// isDueDate reports whether s is a due date as create-ticket forwards one:
// a date or an RFC 3339 time.
func isDueDate(s string) bool {
	_, dateErr := time.Parse(time.DateOnly, s)
	_, timeErr := time.Parse(time.RFC3339, s)
	return dateErr == nil || timeErr == nil
}
