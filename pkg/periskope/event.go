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
	Raw                json.RawMessage `json:"-"`

	// looseIDs are the identifiers (event, event_type, org_id) that were
	// not exact JSON strings; ParseEvent refuses them.
	looseIDs idSet
}

// ParseEvent decodes a verified webhook body. It fails with
// ErrMalformedEvent, also for an inexact id (see ErrInvalidID).
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

// TicketInfo decodes Data of a ticket.* event (else ErrNotTicketEvent), also
// when sent as a JSON string; it fails as ParseEvent does.
func (e *Event) TicketInfo() (*TicketInfo, error) { return ticketInfo(e) }
