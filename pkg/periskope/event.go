package periskope

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Event is the envelope of every webhook delivery.
type Event struct {
	Type               string          `json:"event"` // "event", or "event_type" in some deliveries
	OrgID              string          `json:"org_id"`
	Data               json.RawMessage `json:"data"`                // nil when missing or null
	PreviousAttributes json.RawMessage `json:"previous_attributes"` // nil when missing or null
	Timestamp          string          `json:"timestamp"`
	Raw                json.RawMessage `json:"-"` // the exact body

	// looseIDs are the identifiers (event, event_type, org_id) that were
	// not exact JSON strings; ParseEvent refuses them.
	looseIDs idSet
}

// ParseEvent decodes a webhook body; verify it first (or use
// ConstructEvent). It fails with ErrMalformedEvent when the body is not a
// JSON object, names no event, or has an inexact event, event_type or org_id
// (see ErrInvalidID). An unknown event is not an error.
func ParseEvent(body []byte) (*Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedEvent)
	}
	e, err := decodeEvent(body)
	if err != nil {
		return nil, err
	}
	if err := e.looseIDs.err(""); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if e.Type == "" {
		return nil, fmt.Errorf("%w: no event name", ErrMalformedEvent)
	}
	return &e, nil
}

// ConstructEvent is VerifyHeaders followed by ParseEvent.
func ConstructEvent(body []byte, headers map[string]string, keys ...string) (*Event, error) {
	if err := VerifyHeaders(body, headers, keys...); err != nil {
		return nil, err
	}
	return ParseEvent(body)
}

// settleType trims Type (the event member) and falls back to eventType
// when it is empty. event_type counts as an identifier only when it is the
// name used: beside an event name it is a member nobody reads, and an odd
// value there must not refuse an otherwise whole event.
func (e *Event) settleType(eventType string) {
	e.Type = strings.TrimSpace(e.Type)
	if e.Type != "" {
		e.looseIDs &^= idEventType
		return
	}
	e.Type = strings.TrimSpace(eventType)
}

// IsTicketEvent reports whether e is a ticket.* event.
func (e *Event) IsTicketEvent() bool { return strings.HasPrefix(e.Type, "ticket.") }

// TicketInfo decodes Data of a ticket.* event: a ticket info object or a
// bare ticket, also sent as a JSON string. Other events fail with
// ErrNotTicketEvent; a missing or non-object Data, or an inexact ticket_id
// or org_id (see ErrInvalidID), with ErrMalformedEvent.
func (e *Event) TicketInfo() (*TicketInfo, error) { return ticketInfo(e) }
