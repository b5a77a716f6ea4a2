package periskope

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// response is a 2xx answer, read in full.
type response struct {
	op     string
	header http.Header
	body   []byte
}

// ticketInfo decodes the answer as decodeTicketInfo does and adds the
// trace id.
func (r *response) ticketInfo() (*TicketInfo, error) {
	ti, err := decodeTicketInfo(r.body)
	if err != nil {
		return nil, r.malformed(err.Error())
	}
	ti.TraceID = r.traceID()
	return ti, nil
}

// ticketInfoWithTicket is ticketInfo for answers that must name a ticket
// (create, get): one without a ticket or without its ticket_id is
// malformed, however well-formed its JSON.
func (r *response) ticketInfoWithTicket() (*TicketInfo, error) {
	ti, err := r.ticketInfo()
	if err != nil {
		return nil, err
	}
	if ti.Ticket == nil || strings.TrimSpace(ti.Ticket.TicketID) == "" {
		return nil, r.malformed("no ticket_id in the answer")
	}
	return ti, nil
}

// updatedTicketInfo is ticketInfo for PATCH, whose answer is undocumented:
// an empty 2xx body is a success without details.
func (r *response) updatedTicketInfo() (*TicketInfo, error) {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return &TicketInfo{TraceID: r.traceID()}, nil
	}
	return r.ticketInfo()
}

// ticketList decodes a page of tickets: a TicketList object (tickets,
// count, from, to), or a bare array of tickets.
func (r *response) ticketList() (*TicketList, error) {
	var l TicketList
	body := bytes.TrimSpace(r.body)
	if len(body) > 0 && body[0] == '[' { // a bare array of tickets
		tickets, err := decodeTicketArray(body)
		if err != nil {
			return nil, r.malformed("not a ticket list")
		}
		l.Tickets, l.Count = tickets, len(tickets)
	} else if err := l.UnmarshalJSON(body); err != nil || string(body) == "null" {
		return nil, r.malformed("not a ticket list")
	}
	l.Raw = append(json.RawMessage(nil), r.body...)
	l.TraceID = r.traceID()
	return &l, nil
}

// traceID is the x-periskope-trace-id of the answer, for support.
func (r *response) traceID() string { return r.header.Get(headerTraceID) }

// malformed reports an unusable 2xx answer, with the trace id for support.
func (r *response) malformed(why string) error {
	if id := r.traceID(); id != "" {
		return fmt.Errorf("%w: %s: %s (trace id %s)", ErrMalformedResponse, r.op, why, id)
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformedResponse, r.op, why)
}
