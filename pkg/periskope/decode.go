package periskope

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/periskope-connect/periskope-aws/internal/ratereset"
)

// The models decode with encoding/json/v2 (unknown members skipped, repeated
// names refused, names exact), and decodeOptions read each leaf tolerantly: a
// mistyped member is its zero value or its text; invalid UTF-8 and unpaired
// surrogates are U+FFFD, except in identifiers (idText). Built at the first
// decoding: at init they cost every cold start 0.08 ms and 28 KB.
var decodeOptions = sync.OnceValue(func() jsonv2.Options {
	return jsonv2.JoinOptions(jsontext.AllowInvalidUTF8(true), jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(
		tolerant[string](), tolerant[bool](), tolerant[int](), tolerant[Priority](), tolerant[Time](),
		tolerant[map[string]string](), tolerant[map[string]ChatMember](), tolerant[[]Ticket](), tolerant[[]Message](),
		tolerant[*Chat](), tolerant[*Message](), tolerant[Ticket](),
	)))
})

// tolerant unmarshals a T by readTolerant.
func tolerant[T any]() *jsonv2.Unmarshalers {
	return jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *T) error { return readTolerant(dec, v) })
}

// readTolerant reads the model types' members: the maps, slices and
// pointers of objects leave out what is not an object, a ticket keeps how
// inexact ids were sent, and leaves read from their JSON of any kind. Any
// other type is json/v2's.
func readTolerant(dec *jsontext.Decoder, v any) (err error) {
	switch v := v.(type) {
	case *string, *bool, *int, *Priority, *Time:
		return readLeaf(dec, v)
	case *Ticket:
		return readTicket(dec, v)
	case *map[string]string:
		*v, err = readStringMap(dec)
	case *map[string]ChatMember:
		*v, err = readMembers(dec)
	case *[]Ticket:
		*v, err = objects[Ticket](dec)
	case *[]Message:
		*v, err = objects[Message](dec)
	case **Chat:
		*v, err = objectPtr[Chat](dec)
	case **Message:
		*v, err = objectPtr[Message](dec)
	default:
		return errors.ErrUnsupported // json/v2 decodes it
	}
	return err
}

// readLeaf reads a leaf from its JSON of any kind; what does not read as
// its type is the zero value (a Time keeps the text in Raw).
func readLeaf(dec *jsontext.Decoder, v any) error {
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v := v.(type) {
	case *string:
		*v = jsonText(raw)
	case *bool:
		*v = boolOf(raw)
	case *int:
		*v, _ = intOf(jsonText(raw))
	case *Priority:
		*v, _ = priorityOf(jsonText(raw))
	case *Time:
		*v, _ = timeOf(raw)
	}
	return nil
}

// errNull and errNotObject report valid JSON where an object must be.
var (
	errNull      = errors.New("null")
	errNotObject = errors.New("not a JSON object")
)

// decodeObject decodes the object b into v, or reports null. Anything else is
// read as a bare value first: its error is then a syntax or repeated-name one,
// or errNotObject, never json/v2's naming an unexported wire type.
func decodeObject(b []byte, v any) (null bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return true, nil
	case len(b) > 0 && b[0] != '{':
		var raw jsontext.Value
		if err := jsonv2.Unmarshal(b, &raw, decodeOptions()); err != nil {
			return false, err
		}
		return false, errNotObject
	}
	return false, jsonv2.Unmarshal(b, v, decodeOptions())
}

// decodeInto decodes the object (or null: the zero value) b into v, and
// leaves v as it was on an error.
func decodeInto[T any](v *T, b []byte) error {
	var out T
	if _, err := decodeObject(b, &out); err != nil {
		return err
	}
	*v = out
	return nil
}

// stringText is the text of the JSON string raw, with U+FFFD for invalid
// UTF-8 and unpaired surrogate escapes, and whether it had none of them.
func stringText(raw []byte) (string, bool) {
	if in := raw[1 : len(raw)-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return string(in), true
	}
	out, err := jsontext.AppendUnquote(nil, raw) // invalid text is reported, and replaced in out
	return string(out), err == nil
}

// jsonText reads one member's JSON as text: a string's text, the JSON text
// of a number or a boolean, "" for null, objects and arrays.
func jsonText(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		text, _ := stringText(raw)
		return text
	case '{', '[', 'n':
		return ""
	}
	return string(raw) // number, true, false
}

// boolOf reads true, "true" or a non-zero number as true, all else as false.
func boolOf(raw []byte) bool {
	switch raw[0] {
	case 't':
		return true
	case '"':
		b, _ := strconv.ParseBool(strings.TrimSpace(jsonText(raw)))
		return b
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		n, err := strconv.ParseFloat(string(raw), 64)
		return err == nil && n != 0
	}
	return false
}

// intOf reads an integer, also written as a float ("2.0", 2e0).
func intOf(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int(x)) {
		return int(x), true
	}
	return 0, false
}

// priorityOf reads a priority from text: a number ("2", "2.0"), a name
// ("low" … "urgent", "none", any case) or "" (PriorityNone).
func priorityOf(s string) (Priority, error) {
	s = strings.TrimSpace(s)
	if n, ok := intOf(s); ok {
		return Priority(n), nil
	}
	if s == "" {
		return PriorityNone, nil
	}
	if i := slices.Index(priorityNames, strings.ToLower(s)); i >= 0 {
		return Priority(i), nil
	}
	return PriorityNone, fmt.Errorf("periskope: unknown priority %q", s)
}

// priorityNames are the names of the priorities, by value.
var priorityNames = []string{"none", "low", "medium", "high", "urgent"}

// timeOf reads a timestamp member, Raw its text: epoch time, a string blank
// or in timeLayouts, or null; anything else is not ok, with a zero time.
func timeOf(raw []byte) (t Time, ok bool) {
	t.Raw = jsonText(raw)
	switch raw[0] {
	case 'n':
		return t, true
	case '"':
		if strings.TrimSpace(t.Raw) == "" {
			return t, true
		}
		t.Time, ok = parseTime(t.Raw)
	case '{', '[', 't', 'f':
	default:
		n, err := strconv.ParseFloat(t.Raw, 64)
		if ok = err == nil; ok {
			t.Time = ratereset.Epoch(n)
		}
	}
	return t, ok
}

// readStringMap reads an object of strings, other values as their compact
// JSON text ("3", `{"a":1}`), null as ""; a value not an object is nil.
func readStringMap(dec *jsontext.Decoder) (map[string]string, error) {
	return readMap(dec, func(dec *jsontext.Decoder) (string, bool, error) {
		raw, err := dec.ReadValue()
		if err != nil || raw[0] != '{' && raw[0] != '[' {
			return jsonText(raw), true, err
		}
		compact := jsontext.Value(bytes.Clone(raw))
		return string(compact), true, compact.Compact()
	})
}

// readMembers reads Chat.Members, leaving out members that are not objects.
func readMembers(dec *jsontext.Decoder) (map[string]ChatMember, error) {
	return readMap(dec, func(dec *jsontext.Decoder) (m ChatMember, ok bool, err error) {
		if dec.PeekKind() != '{' {
			return m, false, dec.SkipValue()
		}
		return m, true, jsonv2.UnmarshalDecode(dec, &m)
	})
}

// readMap reads an object into a map, each member's value by read, which
// may leave it out; a value that is not an object reads as nil.
func readMap[V any](dec *jsontext.Decoder, read func(dec *jsontext.Decoder) (V, bool, error)) (map[string]V, error) {
	if dec.PeekKind() != '{' {
		return nil, dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil { // {
		return nil, err
	}
	m := map[string]V{}
	for dec.PeekKind() == '"' {
		raw, err := dec.ReadValue()
		if err != nil {
			return m, err
		}
		name, _ := stringText(raw)
		v, ok, err := read(dec)
		if err != nil {
			return m, err
		}
		if ok {
			m[name] = v
		}
	}
	_, err := dec.ReadToken() // }, or the error of what stands there
	return m, err
}

// objects reads the object elements of an array; other elements are
// skipped, and a value that is not an array reads as nil.
func objects[T any](dec *jsontext.Decoder) ([]T, error) {
	if dec.PeekKind() != '[' {
		return nil, dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	out := []T{}
	for k := dec.PeekKind(); k != ']' && k != 0; k = dec.PeekKind() {
		if k != '{' {
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			continue
		}
		var v T
		if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	_, err := dec.ReadToken()
	return out, err
}

// objectPtr reads an object into a new T; anything else is skipped, as nil.
func objectPtr[T any](dec *jsontext.Decoder) (*T, error) {
	if dec.PeekKind() != '{' {
		return nil, dec.SkipValue()
	}
	v := new(T)
	return v, jsonv2.UnmarshalDecode(dec, v)
}

// idText is an identifier member: its text and, unless it was a JSON string
// that decodes exactly (or missing, or null), the JSON it was sent as. Ids
// become keys: as text "\ud800" and "\udfff" would be one id, and 100, 1e2
// and 100.0 three, so ParseEvent and Event.TicketInfo refuse such ids.
type idText struct{ text, sent string }

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (id *idText) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*id = idText{}
	raw, err := dec.ReadValue()
	if err != nil || raw[0] == 'n' {
		return err
	}
	exact := false
	if raw[0] == '"' {
		id.text, exact = stringText(raw)
	} else {
		id.text = jsonText(raw)
	}
	if !exact {
		id.sent = string(raw)
	}
	return nil
}

// ticketFields is a Ticket without its methods, for json/v2 to decode
// field by field; ticketWire decodes its identifiers as idText.
type (
	ticketFields Ticket
	ticketWire   struct {
		*ticketFields
		OrgID    idText `json:"org_id"`
		TicketID idText `json:"ticket_id"`
	}
)

// readTicket reads a ticket object, keeping how inexact ids were sent.
func readTicket(dec *jsontext.Decoder, t *Ticket) error {
	*t = Ticket{}
	w := ticketWire{ticketFields: (*ticketFields)(t)}
	if err := jsonv2.UnmarshalDecode(dec, &w); err != nil {
		return err
	}
	t.OrgID, t.TicketID, t.sentOrgID, t.sentTicketID = w.OrgID.text, w.TicketID.text, w.OrgID.sent, w.TicketID.sent
	return nil
}

// checkIDs is CheckIDs with prefix before the member's name.
func (t *Ticket) checkIDs(prefix string) error {
	switch {
	case t.sentTicketID != "":
		return &FieldError{Field: prefix + "ticket_id"}
	case t.sentOrgID != "":
		return &FieldError{Field: prefix + "org_id"}
	}
	return nil
}

// eventWire is the webhook envelope as sent.
type eventWire struct {
	Type               idText         `json:"event"`
	EventType          idText         `json:"event_type"`
	OrgID              idText         `json:"org_id"`
	Timestamp          string         `json:"timestamp"`
	Data               jsontext.Value `json:"data"`
	PreviousAttributes jsontext.Value `json:"previous_attributes"`
}

// decodeEvent reads a webhook envelope, Type from "event" or else
// "event_type". badID names the first id sent inexactly; event_type counts
// only when it gives the name (beside an event name nobody reads it).
func decodeEvent(b []byte) (e Event, badID string, err error) {
	var w eventWire
	if null, err := decodeObject(b, &w); err != nil || null {
		return Event{}, "", fmt.Errorf("%w: %w", ErrMalformedEvent, cmp.Or(err, errNull))
	}
	e = Event{Type: strings.TrimSpace(w.Type.text), OrgID: w.OrgID.text, Data: rawMember(w.Data),
		PreviousAttributes: rawMember(w.PreviousAttributes), Timestamp: w.Timestamp, Raw: bytes.Clone(b)}
	if e.Type == "" {
		e.Type = strings.TrimSpace(w.EventType.text)
	} else {
		w.EventType.sent = ""
	}
	switch {
	case w.Type.sent != "":
		badID = "event"
	case w.EventType.sent != "":
		badID = "event_type"
	case w.OrgID.sent != "":
		badID = "org_id"
	}
	return e, badID, nil
}

// rawMember is a member's JSON, byte for byte; nil for null.
func rawMember(raw jsontext.Value) json.RawMessage {
	if raw.Kind() == 'n' {
		return nil
	}
	return json.RawMessage(raw)
}

// ticketInfoWire is a ticket info object, or a bare ticket: one with a
// ticket_id and no ticket member (Ticket.sent: there and not null).
type (
	ticketInfoFields TicketInfo
	ticketInfoWire   struct {
		ticketInfoFields
		Ticket   ticketMember   `json:"ticket"`
		TicketID jsontext.Value `json:"ticket_id"`
	}
	ticketMember struct {
		t    *Ticket
		sent bool
	}
)

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (m *ticketMember) UnmarshalJSONFrom(dec *jsontext.Decoder) (err error) {
	m.sent = dec.PeekKind() != 'n'
	m.t, err = objectPtr[Ticket](dec)
	return err
}

// decodeTicketInfo reads a ticket info object, or wraps a bare ticket; null
// is errNull. Raw is a copy of b.
func decodeTicketInfo(b []byte) (*TicketInfo, error) {
	var w ticketInfoWire
	if null, err := decodeObject(b, &w); err != nil || null {
		return nil, cmp.Or(err, errNull)
	}
	ti := TicketInfo(w.ticketInfoFields)
	ti.Ticket = w.Ticket.t
	if !w.Ticket.sent && len(w.TicketID) > 0 && w.TicketID.Kind() != 'n' {
		ti = TicketInfo{Ticket: new(Ticket)}
		if err := decodeInto(ti.Ticket, b); err != nil {
			return nil, err
		}
	}
	ti.Raw = bytes.Clone(b)
	return &ti, nil
}

// decodeTicketArray reads a bare array of tickets, as a page of GET
// /tickets may be.
func decodeTicketArray(b []byte) ([]Ticket, error) {
	var tickets []Ticket
	err := jsonv2.Unmarshal(bytes.TrimSpace(b), &tickets, decodeOptions())
	return tickets, err
}

// unwrapText is the text of the valid JSON string raw with each unpaired
// surrogate escape kept as its six characters and invalid UTF-8 kept as
// is, so that the object decoder refuses an id holding either by name, as
// for data sent as an object (unquoting to U+FFFD would make "\ud800" and
// "\udfff" one id). As two JSON.parse calls do with UTF-16 code units, a
// kept escape pairs with a surrogate decoded next to it, and a surrogate
// right after an inner backslash becomes U+FFFD, so "\\" + "ud800" stays
// an invalid escape.
func unwrapText(raw []byte) []byte {
	in := raw[1 : len(raw)-1]
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		if in[i] != '\\' {
			out = append(out, in[i])
			i++
			continue
		}
		if in[i+1] != 'u' {
			out = append(out, unescaped[in[i+1]])
			i += 2
			continue
		}
		r, n := hex4(in[i+2:]), 6
		if bytes.HasPrefix(in[i+6:], []byte(`\u`)) {
			if pair := utf16.DecodeRune(r, hex4(in[i+8:])); pair != utf8.RuneError {
				r, n = pair, 12
			}
		}
		if utf16.IsSurrogate(r) {
			if !endsInEscape(out) {
				out = append(out, in[i:i+6]...)
				i += 6
				continue
			}
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return out
}

// unescaped maps the character after a backslash in a JSON string, other
// than u, to the character it stands for.
var unescaped = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// endsInEscape reports whether b ends in an odd run of backslashes: inside
// a JSON string, the next character would be escaped.
func endsInEscape(b []byte) bool {
	return (len(b)-len(bytes.TrimRight(b, `\`)))%2 == 1
}

// hex4 reads the four hex digits after a \u of a valid JSON string.
func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n)
}

// errorBody is Periskope's error answer, {"code", "message"}.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// newAPIError is a non-2xx answer's error. Its code and message, bounded,
// are from Periskope's error answer: {"code", "message"}, also nested
// under "error" or with "error" as the message; a bare JSON string is the
// message.
func newAPIError(r *response) *APIError {
	e := &APIError{StatusCode: r.status, Op: r.op, TraceID: r.traceID()}
	var top struct {
		errorBody
		Error jsontext.Value `json:"error"`
	}
	switch b := bytes.TrimSpace(r.body); {
	case len(b) > 0 && b[0] == '"' && jsontext.Value(b).IsValid(decodeOptions()):
		e.Message = jsonText(b)
	case len(b) > 0 && b[0] == '{' && jsonv2.Unmarshal(b, &top, decodeOptions()) == nil:
		var nested errorBody // an object, else the message as text
		if len(top.Error) > 0 && jsonv2.Unmarshal(top.Error, &nested, decodeOptions()) != nil {
			nested.Message = jsonText(top.Error)
		}
		e.Code, e.Message = cmp.Or(top.Code, nested.Code), cmp.Or(top.Message, nested.Message)
	}
	e.Code, e.Message = truncate(e.Code, 100), truncate(e.Message, 500)
	return e
}
