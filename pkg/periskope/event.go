package periskope

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
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
}

// ParseEvent decodes a verified webhook body, or fails with ErrMalformedEvent.
func ParseEvent(body []byte) (*Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedEvent)
	}
	e, badID, err := decodeEvent(body)
	switch {
	case err != nil:
		return nil, err
	case badID != "":
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, &FieldError{Field: badID, Err: ErrInvalidID})
	case e.Type == "":
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

// TicketInfo decodes Data of a ticket.* event (else ErrNotTicketEvent), also
// sent as a JSON string, whose text is then Raw; it fails as ParseEvent does.
func (e *Event) TicketInfo() (*TicketInfo, error) {
	if !strings.HasPrefix(e.Type, "ticket.") {
		return nil, fmt.Errorf("%w: %q", ErrNotTicketEvent, e.Type)
	}
	data := bytes.TrimSpace(e.Data)
	if len(data) > 0 && data[0] == '"' {
		if !jsontext.Value(data).IsValid(decodeOptions()) {
			return nil, fmt.Errorf("%w: data: invalid JSON string", ErrMalformedEvent)
		}
		data = unwrapText(data)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: no data", ErrMalformedEvent)
	}
	ti, err := decodeTicketInfo(data)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrMalformedEvent, err)
	}
	if ti.Ticket != nil {
		if err := ti.Ticket.checkIDs("ticket."); err != nil {
			return nil, fmt.Errorf("%w: data: %w", ErrMalformedEvent, err)
		}
	}
	return ti, nil
}
