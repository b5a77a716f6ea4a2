package periskope

import (
	"encoding/json"
	"errors"
)

// Event names.
const (
	EventTicketCreated = "ticket.created"
	EventTicketUpdated = "ticket.updated"
	EventTicketDeleted = "ticket.deleted"
)

// Event parsing errors.
var (
	ErrMalformedEvent = errors.New("periskope: malformed webhook event")
	ErrNotTicketEvent = errors.New("periskope: not a ticket event")
)

// Event is the envelope of every webhook delivery.
type Event struct {
	Type               string          // "event", or "event_type" in some deliveries
	OrgID              string          `json:"org_id"`
	Data               json.RawMessage `json:"data"`
	PreviousAttributes json.RawMessage `json:"previous_attributes"`
	Timestamp          string          `json:"timestamp"`
}

// ParseEvent decodes a webhook body. Verify the body first.
func ParseEvent(body []byte) (*Event, error) {
	panic("TODO")
}

// TicketInfo decodes Data of a ticket.* event. It accepts a ticket info object
// or a bare ticket object as Data.
func (e *Event) TicketInfo() (*TicketInfo, error) {
	panic("TODO")
}
