package periskope

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CreateTicket calls POST /tickets/create. It is retried only when Periskope
// certainly did not process it (a 429, or no connection made: see
// NeverSent), never after a timeout or a 5xx, which could create a
// duplicate.
//
// ChatID and Subject are required; a ChatID of bare digits gets "@c.us".
// Priority must be 0 (left out) or 1–4, Status empty or one of the Status
// constants. A per-attempt timeout fails with an error matching
// context.DeadlineExceeded (see IsTimeout).
func (c *Client) CreateTicket(ctx context.Context, req CreateTicketRequest) (*TicketInfo, error) {
	req.ChatID = NormalizeChatID(req.ChatID)
	switch {
	case req.ChatID == "":
		return nil, &ValidationError{Field: "chat_id", Reason: "is required"}
	case strings.TrimSpace(req.Subject) == "":
		return nil, &ValidationError{Field: "subject", Reason: "is required"}
	case req.Priority != PriorityNone && !req.Priority.Valid():
		return nil, &ValidationError{Field: "priority", Reason: "must be 1, 2, 3 or 4"}
	case req.Status != "" && !validStatus(req.Status):
		return nil, &ValidationError{Field: "status", Reason: "must be open, inprogress, closed or archived"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("periskope: encoding request: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/tickets/create", body: body})
	if err != nil {
		return nil, err
	}
	return resp.ticketInfoWithTicket()
}

// GetTicket calls GET /tickets/{ticket_id}.
func (c *Client) GetTicket(ctx context.Context, ticketID string) (*TicketInfo, error) {
	if strings.TrimSpace(ticketID) == "" {
		return nil, &ValidationError{Field: "ticket_id", Reason: "is required"}
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/tickets/" + url.PathEscape(ticketID), idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.ticketInfoWithTicket()
}

// UpdateTicket calls PATCH /tickets/{ticket_id}. At least one field must be
// set; Priority, if set, must be 1–4. The update sets absolute values, so it
// is retried like a read. The answer is not documented: a ticket info object,
// a bare ticket (in Ticket) and an empty body (an empty TicketInfo) are
// accepted.
func (c *Client) UpdateTicket(ctx context.Context, ticketID string, req UpdateTicketRequest) (*TicketInfo, error) {
	switch {
	case strings.TrimSpace(ticketID) == "":
		return nil, &ValidationError{Field: "ticket_id", Reason: "is required"}
	case req == UpdateTicketRequest{}:
		return nil, &ValidationError{Field: "body", Reason: "no field to update"}
	case req.Priority != nil && !req.Priority.Valid():
		return nil, &ValidationError{Field: "priority", Reason: "must be 1, 2, 3 or 4"}
	case req.Status != nil && !validStatus(*req.Status):
		return nil, &ValidationError{Field: "status", Reason: "must be open, inprogress, closed or archived"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("periskope: encoding request: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: "/tickets/" + url.PathEscape(ticketID), body: body, idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.updatedTicketInfo()
}

// ListTickets calls GET /tickets. A zero Limit leaves the page size to
// Periskope.
func (c *Client) ListTickets(ctx context.Context, p ListTicketsParams) (*TicketList, error) {
	if p.Offset < 0 {
		return nil, &ValidationError{Field: "offset", Reason: "must not be negative"}
	}
	if p.Limit < 0 {
		return nil, &ValidationError{Field: "limit", Reason: "must not be negative"}
	}
	q := url.Values{}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/tickets", query: q, idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.ticketList()
}

// validStatus reports whether s is a status Periskope accepts.
func validStatus(s string) bool {
	switch s {
	case StatusOpen, StatusInProgress, StatusClosed, StatusArchived:
		return true
	}
	return false
}
