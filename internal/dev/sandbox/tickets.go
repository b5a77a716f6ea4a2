package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// timestampLayout is how Periskope writes timestamps ("2025-01-26T13:46:21.670006+00:00").
const timestampLayout = "2006-01-02T15:04:05.000000-07:00"

var chatIDPattern = regexp.MustCompile(`^[0-9]{5,20}(-[0-9]+)?@(c|g)\.us$`)

// ticket is one ticket the sandbox holds: its checked create request.
type ticket struct {
	createRequest
	id        string
	priority  int
	createdAt time.Time
}

// createRequest is the body of a create, its types checked by the spec.
type createRequest struct {
	ChatID          string `json:"chat_id"`
	QuotedMessageID string `json:"quoted_message_id"`
	Subject         string `json:"subject"`
	Assignee        string `json:"assignee"`
	DueDate         string `json:"due_date"`
	Labels          string `json:"labels"`
	Priority        string `json:"priority"`
	Status          string `json:"status"`
}

func (s *Sandbox) createTicket(_ *http.Request, body []byte) (any, *apiError) {
	var req createRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("body: %v", err)
	}
	priority, e := checkCreate(req)
	if e != nil {
		return nil, e
	}
	t := &ticket{createRequest: req, priority: priority, createdAt: time.Now()}
	t.Status = cmp.Or(t.Status, periskope.StatusOpen)
	s.mu.Lock()
	t.id = fmt.Sprintf("LOC-%03d", len(s.tickets)+1)
	s.tickets = append(s.tickets, t)
	s.stats.TicketsCreated++
	info := s.info(t)
	s.mu.Unlock()

	s.deliver(info)
	return info, nil
}

// checkCreate checks what the seed spec only describes in words, and
// returns the priority (1 when not sent).
func checkCreate(req createRequest) (int, *apiError) {
	if !chatIDPattern.MatchString(req.ChatID) {
		return 0, badRequest("chat_id %q must be <number>@c.us for a person or <id>@g.us for a group", req.ChatID)
	}
	if strings.TrimSpace(req.Subject) == "" {
		return 0, badRequest("subject must not be empty")
	}
	p, err := strconv.Atoi(cmp.Or(req.Priority, "1"))
	if err != nil || p < 1 || p > 4 {
		return 0, badRequest("priority %q must be one of 1, 2, 3, 4", req.Priority)
	}
	if !slices.Contains([]string{"", periskope.StatusOpen, periskope.StatusInProgress, periskope.StatusClosed, periskope.StatusArchived}, req.Status) {
		return 0, badRequest("status %q must be one of open, inprogress, closed, archived", req.Status)
	}
	if _, err := mail.ParseAddress(req.Assignee); err != nil && req.Assignee != "" {
		return 0, badRequest("assignee %q must be the email of a user of the organisation", req.Assignee)
	}
	// Create-ticket forwards a due date as a date or an RFC 3339 time.
	_, dateErr := time.Parse(time.DateOnly, req.DueDate)
	_, timeErr := time.Parse(time.RFC3339, req.DueDate)
	if dateErr != nil && timeErr != nil && req.DueDate != "" {
		return 0, badRequest("due_date %q must be a date (e.g. 2025-04-20)", req.DueDate)
	}
	return p, nil
}

func (s *Sandbox) getTicket(r *http.Request, _ []byte) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	i := slices.IndexFunc(s.tickets, func(t *ticket) bool { return t.id == id })
	if i < 0 {
		return nil, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("ticket %q not found", id)}
	}
	return s.info(s.tickets[i]), nil
}

func (s *Sandbox) listTickets(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query() // the spec has checked both numbers
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(cmp.Or(q.Get("limit"), "50"))
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []any{}
	// Newest first, as Periskope lists them.
	for i := len(s.tickets) - 1 - offset; i >= 0 && len(items) < limit; i-- {
		items = append(items, s.listItem(s.tickets[i]))
	}
	return map[string]any{"count": len(s.tickets), "from": offset + 1, "to": offset + len(items), "tickets": items}, nil
}

// info renders t as Periskope's ticket info object, with the members of the
// seed spec's 200 example of create at every level.
func (s *Sandbox) info(t *ticket) map[string]any {
	orgPhone := s.cfg.OrgPhone + "@c.us"
	contact, _, _ := strings.Cut(t.ChatID, "@")
	name, chatType := "Local contact "+contact, "user"
	members := map[string]any{orgPhone: s.member(t.ChatID, orgPhone, "Support", true)}
	if strings.HasSuffix(t.ChatID, "@g.us") {
		name, chatType = "Local group "+contact, "group"
	} else {
		members[t.ChatID] = s.member(t.ChatID, t.ChatID, name, false)
	}
	var message any // null unless the ticket quotes one
	if t.QuotedMessageID != "" {
		message = map[string]any{
			"body": "(message quoted by the ticket, from the local sandbox)", "chat_id": t.ChatID, "media_path": "",
			"message_id": "false_" + t.ChatID + "_" + t.QuotedMessageID, "org_phone": orgPhone, "performed_by": nil,
			"sender_name": name, "sender_phone": contact, "timestamp": format(t.createdAt),
		}
	}
	return map[string]any{
		"attached_messages": []any{},
		"chat": map[string]any{
			"chat_id": t.ChatID, "chat_image": nil, "chat_labels": "", "chat_name": name, "chat_type": chatType,
			"created_at": format(t.createdAt), "custom_properties": map[string]any{}, "group_description": nil,
			"invite_link": nil, "is_muted": false, "members": members, "org_id": DefaultOrgID, "org_phone": orgPhone,
		},
		"message": message,
		"ticket": map[string]any{
			"assigned_by": "", "assignee": t.Assignee, "created_at": format(t.createdAt), "due_date": t.DueDate,
			"is_deleted": false, "org_id": DefaultOrgID, "priority": t.priority, "quoted_message_id": t.QuotedMessageID,
			"raised_by": nil, "status": t.Status, "subject": t.Subject, "ticket_custom_properties": map[string]any{},
			"ticket_id": t.id, "ticket_labels": t.Labels,
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
	for l := range strings.SplitSeq(t.Labels, ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	var closedAt any
	if t.Status == periskope.StatusClosed {
		closedAt = format(t.createdAt)
	}
	return map[string]any{
		"assigned_by": nil, "assignee": t.Assignee, "chat_id": t.ChatID, "closed_at": closedAt,
		"created_at": format(t.createdAt), "custom_properties": map[string]any{}, "due_date": orNull(t.DueDate),
		"is_deleted": false, "labels": labels, "last_updated_at": format(t.createdAt), "org_id": DefaultOrgID,
		"priority": t.priority, "quoted_message_id": orNull(t.QuotedMessageID), "raised_by": nil,
		"status": t.Status, "subject": t.Subject, "ticket_id": t.id,
	}
}

func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func format(t time.Time) string { return t.UTC().Format(timestampLayout) }
