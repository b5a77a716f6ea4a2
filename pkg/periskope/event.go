package periskope

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// Event is the envelope of every webhook delivery:
//
//	{"event": "ticket.created", "data": {...}, "org_id": "...",
//	 "previous_attributes": {...}, "timestamp": "..."}
//
// It decodes tolerantly, like the ticket types: members of an unexpected type
// read as zero values and unknown members are ignored.
type Event struct {
	Type               string          `json:"event"` // "event", or "event_type" in some deliveries
	OrgID              string          `json:"org_id"`
	Data               json.RawMessage `json:"data"`                // nil when missing or null
	PreviousAttributes json.RawMessage `json:"previous_attributes"` // nil when missing or null
	Timestamp          string          `json:"timestamp"`
	// Raw is the exact body the event was decoded from.
	Raw json.RawMessage `json:"-"`

	// looseIDs are the identifiers (event, event_type, org_id) that were
	// not exact JSON strings; ParseEvent refuses them.
	looseIDs idSet
}

// ParseEvent decodes a webhook body. Verify the body first (or use
// ConstructEvent). It fails with ErrMalformedEvent when the body is not a
// JSON object or names no event, and also with a *FieldError wrapping
// ErrInvalidID when event, event_type or org_id is present but not a JSON
// string, or holds an unpaired surrogate escape (it could not be kept as
// sent). An event it does not know is not an error.
func ParseEvent(body []byte) (*Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedEvent)
	}
	var e Event
	if err := e.UnmarshalJSON(body); err != nil {
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

// ConstructEvent verifies body against the signature in headers (see
// VerifyHeaders) and parses it, in the manner of stripe-go's
// webhook.ConstructEvent.
func ConstructEvent(body []byte, headers map[string]string, keys ...string) (*Event, error) {
	if err := VerifyHeaders(body, headers, keys...); err != nil {
		return nil, err
	}
	return ParseEvent(body)
}

// UnmarshalJSON decodes the envelope, taking the event name from "event" or,
// failing that, "event_type", and keeps a copy of b in Raw.
func (e *Event) UnmarshalJSON(b []byte) error {
	v, err := decodeEvent(b)
	if err != nil {
		return err
	}
	*e = v
	return nil
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

// TicketInfo decodes Data of a ticket.* event. It accepts a ticket info object
// or a bare ticket object as Data (also when Data arrives as a JSON string
// holding the object). Other events fail with ErrNotTicketEvent, a missing or
// non-object Data with ErrMalformedEvent, and a ticket whose ticket_id or
// org_id is not an exact JSON string (see ParseEvent) with ErrMalformedEvent
// and a *FieldError ("ticket.ticket_id", "ticket.org_id") wrapping
// ErrInvalidID. Data that is a JSON string reads as that object would:
// an unpaired surrogate escape ("\ud800") or an invalid UTF-8 byte of the
// string stays one in the object's text, so an id holding one fails as
// above and a text member reads U+FFFD. Raw of the result is Data, or the
// object's text when Data is a JSON string.
func (e *Event) TicketInfo() (*TicketInfo, error) { return ticketInfo(e) }
