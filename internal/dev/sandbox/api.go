package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// maxRequestBytes bounds a request body.
const maxRequestBytes = 1 << 20

// Error codes of the sandbox's answers ({"message": ..., "code": ...}).
// Periskope does not document its own; these are the sandbox's.
const (
	CodeUnauthorized    = "unauthorized"
	CodeInvalidPhone    = "invalid_phone"
	CodeInvalidRequest  = "invalid_request"
	CodeNotFound        = "not_found"
	CodeRateLimited     = "rate_limited"
	CodeInternalError   = "internal_error"
	CodePayloadTooLarge = "payload_too_large"
)

var (
	phonePattern  = regexp.MustCompile(`^([1-9][0-9]{6,14}|phone-[a-z0-9]+)$`)
	chatIDPattern = regexp.MustCompile(`^[0-9]{5,20}(-[0-9]+)?@(c|g)\.us$`)
)

// apiError is an error answer.
type apiError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

// apiHandler serves one validated /v1 request.
type apiHandler func(r *http.Request, body []byte) (status int, answer any, err *apiError)

func (s *Sandbox) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/tickets/create", s.api(s.createTicket, true))
	mux.HandleFunc("GET /v1/tickets", s.api(s.listTickets, false))
	mux.HandleFunc("GET /v1/tickets/{id}", s.api(s.getTicket, false))
	mux.HandleFunc("PATCH /v1/tickets/{id}", s.api(s.updateTicket, false))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.commonHeaders(w, r)
		writeJSON(w, http.StatusNotFound, apiError{Code: CodeNotFound, Message: "Cannot " + r.Method + " " + r.URL.Path})
	})
	mux.HandleFunc("POST /__sandbox/faults", s.handleAddFaults)
	mux.HandleFunc("DELETE /__sandbox/faults", s.handleClearFaults)
	mux.HandleFunc("GET /__sandbox/stats", s.handleStats)
	mux.HandleFunc("POST /__sandbox/reset", s.handleReset)
	s.mux = mux
}

// api wraps a handler with what every Periskope endpoint does: headers,
// bearer key, x-phone, validation against the spec; and, for creates,
// injected faults.
func (s *Sandbox) api(h apiHandler, isCreate bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.commonHeaders(w, r)
		status, answer := s.serveAPI(w, r, h, isCreate)
		writeJSON(w, status, answer)
		s.logf("[sandbox] %s %s %d %.1fms", r.Method, r.URL.RequestURI(), status, float64(time.Since(start).Microseconds())/1000)
	}
}

func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request, h apiHandler, isCreate bool) (int, any) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return http.StatusBadRequest, badRequest("reading the body: %v", err)
	}
	if len(body) > maxRequestBytes {
		return http.StatusRequestEntityTooLarge, apiError{Code: CodePayloadTooLarge, Message: "request entity too large"}
	}
	if e := s.authenticate(r); e != nil {
		return e.Status, e
	}
	if isCreate {
		s.count(func(st *Stats) { st.CreatesReceived++ })
		if e := s.applyFault(w, r); e != nil {
			return e.Status, e
		}
	}
	if e := checkPhone(r.Header.Get("x-phone")); e != nil {
		return e.Status, e
	}
	if _, err := s.spec.Validate(r, body); err != nil { // the bearer key is checked above
		return http.StatusBadRequest, badRequest("%s", describe(err))
	}
	status, answer, e := h(r, body)
	if e != nil {
		return e.Status, e
	}
	return status, answer
}

func (s *Sandbox) authenticate(r *http.Request) *apiError {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) != 1 {
		return &apiError{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "Unauthorized: missing or invalid API key"}
	}
	return nil
}

func checkPhone(phone string) *apiError {
	if err := validatePhone(phone); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: CodeInvalidPhone, Message: err.Error()}
	}
	return nil
}

func validatePhone(phone string) error {
	if phone == "" {
		return fmt.Errorf("x-phone header is required")
	}
	if !phonePattern.MatchString(phone) {
		return fmt.Errorf("x-phone %q must be the number with country code as digits (e.g. 919876543210) or a phone id (phone-...)", phone)
	}
	return nil
}

// commonHeaders sets what Periskope sends on every answer.
func (s *Sandbox) commonHeaders(w http.ResponseWriter, r *http.Request) {
	second := time.Now().Unix()
	s.mu.Lock()
	if second != s.window {
		s.window, s.inWindow = second, 0
	}
	s.inWindow++
	s.stats.APIRequests++
	s.stats.MaxRequestsPerSecond = max(s.stats.MaxRequestsPerSecond, s.inWindow)
	remaining := max(s.cfg.RateLimit-s.inWindow, 0)
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(second+1, 10))
	h.Set("x-periskope-trace-id", uuid.NewString())
	h.Set("x-periskope-org-id", s.cfg.OrgID)
	phoneID := s.cfg.PhoneID
	if p := r.Header.Get("x-phone"); strings.HasPrefix(p, "phone-") && phonePattern.MatchString(p) {
		phoneID = p
	}
	h.Set("x-periskope-phone-id", phoneID)
}

// createRequest is the body of POST /tickets/create.
type createRequest struct {
	ChatID          string `json:"chat_id"`
	Subject         string `json:"subject"`
	Labels          string `json:"labels"`
	Assignee        string `json:"assignee"`
	QuotedMessageID string `json:"quoted_message_id"`
	DueDate         string `json:"due_date"`
	Priority        string `json:"priority"`
	Status          string `json:"status"`
}

func (s *Sandbox) createTicket(_ *http.Request, body []byte) (int, any, *apiError) {
	var req createRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, nil, badRequest("body: %v", err)
	}
	if !chatIDPattern.MatchString(req.ChatID) {
		return 0, nil, badRequest("chat_id %q must be <number>@c.us for a person or <id>@g.us for a group", req.ChatID)
	}
	if strings.TrimSpace(req.Subject) == "" {
		return 0, nil, badRequest("subject must not be empty")
	}
	t := &ticket{chatID: req.ChatID, subject: req.Subject, status: periskope.StatusOpen, priority: 1}
	if e := applyFields(t, fields{
		priority: optional(req.Priority), status: optional(req.Status), assignee: optional(req.Assignee),
		dueDate: optional(req.DueDate), labels: optional(req.Labels),
	}); e != nil {
		return 0, nil, e
	}
	t.quotedMessageID = req.QuotedMessageID

	now := time.Now()
	t.createdAt, t.updatedAt = now, now
	s.mu.Lock()
	t.id = fmt.Sprintf("%s-%03d", s.cfg.IDPrefix, len(s.tickets)+1)
	s.tickets = append(s.tickets, t)
	s.byID[t.id] = t
	s.stats.TicketsCreated++
	info := s.info(t)
	s.mu.Unlock()

	s.deliver(periskope.EventTicketCreated, info)
	return http.StatusOK, info, nil
}

// fields are the changeable ticket fields of a create or update; nil keeps
// the current value.
type fields struct {
	subject, priority, status, assignee, dueDate, labels *string
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// applyFields checks and sets the given fields.
func applyFields(t *ticket, f fields) *apiError {
	if f.subject != nil {
		if strings.TrimSpace(*f.subject) == "" {
			return badRequest("subject must not be empty")
		}
		t.subject = *f.subject
	}
	if f.priority != nil {
		p, err := strconv.Atoi(*f.priority)
		if err != nil || p < 1 || p > 4 {
			return badRequest("priority %q must be one of 1, 2, 3, 4", *f.priority)
		}
		t.priority = p
	}
	if f.status != nil {
		switch *f.status {
		case periskope.StatusOpen, periskope.StatusInProgress, periskope.StatusClosed, periskope.StatusArchived:
			t.status = *f.status
		default:
			return badRequest("status %q must be one of open, inprogress, closed, archived", *f.status)
		}
	}
	if f.assignee != nil {
		if _, err := mail.ParseAddress(*f.assignee); err != nil && *f.assignee != "" {
			return badRequest("assignee %q must be the email of a user of the organisation", *f.assignee)
		}
		t.assignee = *f.assignee
	}
	if f.dueDate != nil {
		if !isDueDate(*f.dueDate) && *f.dueDate != "" {
			return badRequest("due_date %q must be a date (e.g. 2025-04-20)", *f.dueDate)
		}
		t.dueDate = *f.dueDate
	}
	if f.labels != nil {
		t.labels = *f.labels
	}
	return nil
}

func (s *Sandbox) getTicket(r *http.Request, _ []byte) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[r.PathValue("id")]
	if !ok {
		return 0, nil, ticketNotFound(r.PathValue("id"))
	}
	return http.StatusOK, s.info(t), nil
}

func (s *Sandbox) updateTicket(r *http.Request, body []byte) (int, any, *apiError) {
	var req struct {
		Subject  *string `json:"subject"`
		Assignee *string `json:"assignee"`
		DueDate  *string `json:"due_date"`
		Labels   *string `json:"labels"`
		Priority *string `json:"priority"`
		Status   *string `json:"status"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, nil, badRequest("body: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[r.PathValue("id")]
	if !ok {
		return 0, nil, ticketNotFound(r.PathValue("id"))
	}
	updated := *t
	if e := applyFields(&updated, fields{
		subject: req.Subject, priority: req.Priority, status: req.Status,
		assignee: req.Assignee, dueDate: req.DueDate, labels: req.Labels,
	}); e != nil {
		return 0, nil, e
	}
	updated.updatedAt = time.Now()
	*t = updated
	return http.StatusOK, s.info(t), nil
}

func (s *Sandbox) listTickets(r *http.Request, _ []byte) (int, any, *apiError) {
	offset, limit := 0, 50
	if v := r.URL.Query().Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v) // the spec has checked it
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	page := listJSON{Count: len(s.tickets), From: offset + 1, To: offset, Tickets: []listItemJSON{}}
	// Newest first, as Periskope lists them.
	for i := len(s.tickets) - 1 - offset; i >= 0 && len(page.Tickets) < limit; i-- {
		page.Tickets = append(page.Tickets, s.listItem(s.tickets[i]))
	}
	page.To = offset + len(page.Tickets)
	return http.StatusOK, page, nil
}

func ticketNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf("ticket %q not found", id)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"encoding failed","code":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// isDueDate reports whether s is a due date as create-ticket forwards one:
// a date or an RFC 3339 time.
func isDueDate(s string) bool {
	_, dateErr := time.Parse(time.DateOnly, s)
	_, timeErr := time.Parse(time.RFC3339, s)
	return dateErr == nil || timeErr == nil
}
