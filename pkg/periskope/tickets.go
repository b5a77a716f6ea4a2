package periskope

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// CreateTicket calls POST /tickets/create; never retried after timeout or 5xx.
func (c *Client) CreateTicket(ctx context.Context, req CreateTicketRequest) (*TicketInfo, error) {
	req.ChatID = NormalizeChatID(req.ChatID)
	switch {
	case req.ChatID == "":
		return nil, &validationError{"chat_id", "is required"}
	case strings.TrimSpace(req.Subject) == "":
		return nil, &validationError{"subject", "is required"}
	case req.Priority != PriorityNone && !req.Priority.Valid():
		return nil, &validationError{"priority", "must be 1, 2, 3 or 4"}
	case req.Status != "" && !validStatus(req.Status):
		return nil, &validationError{"status", "must be open, inprogress, closed or archived"}
	}
	return c.ticketInfo(ctx, request{method: http.MethodPost, path: "/tickets/create", body: req}, true)
}

// GetTicket calls GET /tickets/{ticket_id}.
func (c *Client) GetTicket(ctx context.Context, ticketID string) (*TicketInfo, error) {
	if strings.TrimSpace(ticketID) == "" {
		return nil, &validationError{"ticket_id", "is required"}
	}
	return c.ticketInfo(ctx, request{method: http.MethodGet, path: "/tickets/" + url.PathEscape(ticketID), idempotent: true}, true)
}

// UpdateTicket calls PATCH /tickets/{id}, a field set; its Ticket may be nil.
func (c *Client) UpdateTicket(ctx context.Context, ticketID string, req UpdateTicketRequest) (*TicketInfo, error) {
	switch {
	case strings.TrimSpace(ticketID) == "":
		return nil, &validationError{"ticket_id", "is required"}
	case req == UpdateTicketRequest{}:
		return nil, &validationError{"body", "no field to update"}
	case req.Priority != nil && !req.Priority.Valid():
		return nil, &validationError{"priority", "must be 1, 2, 3 or 4"}
	case req.Status != nil && !validStatus(*req.Status):
		return nil, &validationError{"status", "must be open, inprogress, closed or archived"}
	}
	return c.ticketInfo(ctx, request{method: http.MethodPatch, path: "/tickets/" + url.PathEscape(ticketID), body: req, idempotent: true}, false)
}

// ListTickets calls GET /tickets.
func (c *Client) ListTickets(ctx context.Context, p ListTicketsParams) (*TicketList, error) {
	switch {
	case p.Offset < 0:
		return nil, &validationError{"offset", "must not be negative"}
	case p.Limit < 0:
		return nil, &validationError{"limit", "must not be negative"}
	}
	q := url.Values{}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return c.ticketList(ctx, request{method: http.MethodGet, path: "/tickets", query: q.Encode(), idempotent: true})
}

// validStatus reports whether s is a status Periskope accepts.
func validStatus(s string) bool {
	return slices.Contains([]string{StatusOpen, StatusInProgress, StatusClosed, StatusArchived}, s)
}
