package periskope

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Each model type reads its object member by member from an
// encoding/json/v2 token stream, so a mistyped member reads as its field's
// zero value and unknown members are skipped; duplicate member names are
// refused and names match exactly, as json/v2 does by default. Invalid
// UTF-8 and unpaired surrogate escapes read as U+FFFD, except in
// identifiers (see readIDInto). A struct field of type string would refuse a
// number, and a leaf unmarshaler cannot tell its object whether an
// identifier was exact: hence readers by field type (readField), with an
// object's identifiers read first by its own reader.

// decodeOptions are the decoding options: encoding/json/v2's defaults
// (duplicate member names refused, exact names) with invalid UTF-8 let
// through, so that one odd subject does not refuse a delivery.
var decodeOptions = jsontext.AllowInvalidUTF8(true)

// errNotObject reports JSON that is valid but not an object.
var errNotObject = errors.New("not a JSON object")

// readerFunc reads one JSON value from a decoder; it is how the readers
// below run under jsonv2.Unmarshal, which brings a pooled decoder and checks
// that nothing follows the value.
type readerFunc func(dec *jsontext.Decoder) error

// UnmarshalJSONFrom implements jsonv2.UnmarshalerFrom.
func (f *readerFunc) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return (*f)(dec) }

// readJSON runs read on b, once trimmed of white space as bytes.TrimSpace
// trims it.
func readJSON(b []byte, read func(dec *jsontext.Decoder) error) error {
	f := readerFunc(read)
	return jsonv2.Unmarshal(bytes.TrimSpace(b), &f, decodeOptions)
}

// readTop runs read on b, which must hold one object; or, when nullOK, a
// null, which it reports instead.
func readTop(b []byte, nullOK bool, read func(dec *jsontext.Decoder) error) (null bool, err error) {
	err = readJSON(b, func(dec *jsontext.Decoder) error {
		switch dec.PeekKind() {
		case '{':
			return read(dec)
		case 'n':
			if !nullOK {
				return errors.New("null")
			}
			null = true
			return dec.SkipValue()
		}
		if err := dec.SkipValue(); err != nil {
			return err
		}
		return errNotObject
	})
	return null, err
}

// readObject reads the object at dec, calling member with each member's
// name (unquoted, valid until the next read); member reads the value.
func readObject(dec *jsontext.Decoder, member func(dec *jsontext.Decoder, name []byte) error) error {
	if _, err := dec.ReadToken(); err != nil { // {
		return err
	}
	var buf []byte
	for dec.PeekKind() == '"' {
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		name := raw[1 : len(raw)-1]
		if !plainJSONString(raw) {
			buf, _ = jsontext.AppendUnquote(buf[:0], raw)
			name = buf
		}
		if err := member(dec, name); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken() // }, or the error of what stands there
	return err
}

// readObjectOrSkip reads the value at dec with readObject when it is an
// object, skips it otherwise, and reports whether it was one.
func readObjectOrSkip(dec *jsontext.Decoder, member func(dec *jsontext.Decoder, name []byte) error) (bool, error) {
	if dec.PeekKind() != '{' {
		return false, dec.SkipValue()
	}
	return true, readObject(dec, member)
}

// plainJSONString reports whether the JSON string raw (quotes included)
// reads as its bytes between the quotes: no escape, valid UTF-8.
func plainJSONString(raw []byte) bool {
	in := raw[1 : len(raw)-1]
	return bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in)
}

// stringText is the text of the JSON string raw, with U+FFFD for invalid
// UTF-8 and unpaired surrogate escapes, and whether it had none of them.
func stringText(raw []byte) (string, bool) {
	if plainJSONString(raw) {
		return string(raw[1 : len(raw)-1]), true
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

// readText reads the value at dec as jsonText does.
func readText(dec *jsontext.Decoder) (string, error) {
	switch dec.PeekKind() {
	case '"', '0', 't', 'f':
		raw, err := dec.ReadValue()
		return jsonText(raw), err
	}
	return "", dec.SkipValue()
}

// Identifiers become keys, so each must be a JSON string whose text
// decodes exactly as sent: read as text, "\ud800" and "\udfff" would be one
// id, and 100, 1e2 and 100.0 three. readIDInto still reads an inexact one
// and records it in the object's idSet, for ParseEvent and Event.TicketInfo
// to refuse.

// idSet is a set of identifier members, one bit each.
type idSet uint8

// The identifier members, in the order errors name them.
const (
	idEvent idSet = 1 << iota
	idEventType
	idTicketID
	idOrgID
)

var idNames = []struct {
	id   idSet
	name string
}{{idEvent, "event"}, {idEventType, "event_type"}, {idTicketID, "ticket_id"}, {idOrgID, "org_id"}}

// err returns a *FieldError wrapping ErrInvalidID for the first member of
// s, named with prefix, or nil when s is empty.
func (s idSet) err(prefix string) error {
	for _, n := range idNames {
		if s&n.id != 0 {
			return &FieldError{Field: prefix + n.name, Err: ErrInvalidID}
		}
	}
	return nil
}

// readIDInto reads an identifier as readText does into v, and records in
// set whether it was exact: missing, null, or a JSON string whose text
// decodes exactly. sent, unless nil, gets the JSON text of an inexact one.
func readIDInto(dec *jsontext.Decoder, v *string, id idSet, set *idSet, sent *string) (err error) {
	exact := false
	var raw jsontext.Value
	if dec.PeekKind() == 'n' {
		*v, exact, err = "", true, dec.SkipValue()
	} else if raw, err = dec.ReadValue(); err == nil {
		if raw.Kind() == '"' {
			*v, exact = stringText(raw)
		} else {
			*v = jsonText(raw)
		}
	}
	if exact {
		*set &^= id
		raw = nil
	} else {
		*set |= id
	}
	if sent != nil {
		*sent = string(raw)
	}
	return err
}

// readBool reads true/false, "true"/"false" or a number (non-zero is
// true); anything else is false.
func readBool(dec *jsontext.Decoder) (bool, error) {
	switch dec.PeekKind() {
	case 't':
		return true, dec.SkipValue()
	case '"':
		s, err := readText(dec)
		b, _ := strconv.ParseBool(strings.TrimSpace(s))
		return b, err
	case '0':
		raw, err := dec.ReadValue()
		if err != nil {
			return false, err
		}
		n, perr := strconv.ParseFloat(string(raw), 64)
		return perr == nil && n != 0, nil
	}
	return false, dec.SkipValue()
}

// readInt reads a number or a numeric string; anything else is 0.
func readInt(dec *jsontext.Decoder) (int, error) {
	s, err := readText(dec)
	n, _ := intOf(s)
	return n, err
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

// readPriority reads a Priority as Priority.UnmarshalJSON does; an
// unreadable one is PriorityNone.
func readPriority(dec *jsontext.Decoder) (Priority, error) {
	s, err := readText(dec)
	p, _ := priorityOf(s)
	return p, err
}

// readTime reads a Time as Time.UnmarshalJSON does. A value that is not a
// known timestamp form keeps its text in Raw with a zero time rather than
// failing.
func readTime(dec *jsontext.Decoder) (Time, error) {
	raw, err := dec.ReadValue()
	var t Time
	if err == nil && t.UnmarshalJSON(raw) != nil {
		t = Time{Raw: jsonText(raw)}
	}
	return t, err
}

// readStringMap reads an object whose values should be strings. Values of
// other types are kept as their JSON text ("3", "true", `{"a":1}`); null is
// "". A value that is not an object reads as nil.
func readStringMap(dec *jsontext.Decoder) (map[string]string, error) {
	m := map[string]string{}
	ok, err := readObjectOrSkip(dec, func(dec *jsontext.Decoder, name []byte) error {
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		m[string(name)] = mapValueText(raw)
		return nil
	})
	if !ok {
		return nil, err
	}
	return m, err
}

// mapValueText is one value of a string map: objects and arrays as compact
// JSON, other values as jsonText reads them.
func mapValueText(raw []byte) string {
	if raw[0] == '{' || raw[0] == '[' {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return buf.String()
		}
	}
	return jsonText(raw)
}

// readObjects reads the object elements of an array with read; other
// elements are skipped, and a value that is not an array reads as nil.
func readObjects[T any](dec *jsontext.Decoder, read func(dec *jsontext.Decoder, v *T) error) ([]T, error) {
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
		if err := read(dec, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	_, err := dec.ReadToken()
	return out, err
}

// objectPtr reads an object with read into a new T, or skips a value that
// is not an object and returns nil.
func objectPtr[T any](dec *jsontext.Decoder, read func(dec *jsontext.Decoder, v *T) error) (*T, error) {
	if dec.PeekKind() != '{' {
		return nil, dec.SkipValue()
	}
	v := new(T)
	return v, read(dec, v)
}

// readRawMember keeps a copy of a member's JSON, byte for byte; null
// keeps nil.
func readRawMember(dec *jsontext.Decoder, v *json.RawMessage) error {
	raw, err := dec.ReadValue()
	if err == nil && raw[0] != 'n' {
		*v = append(json.RawMessage(nil), raw...)
	}
	return err
}

// Each model type's members are read by their field's type, found by the
// json tag; an object's identifiers are read first, by readIDInto.
var (
	ticketFields     = fieldsOf[Ticket]()
	chatFields       = fieldsOf[Chat]()
	chatMemberFields = fieldsOf[ChatMember]()
	messageFields    = fieldsOf[Message]()
	ticketListFields = fieldsOf[TicketList]()
	ticketInfoFields = fieldsOf[TicketInfo]()
)

// fieldsOf maps the json member names of T to its field indexes.
func fieldsOf[T any]() map[string]int {
	t := reflect.TypeFor[T]()
	fields := map[string]int{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

// readFields reads the object at dec into v, each member by its field.
func readFields[T any](dec *jsontext.Decoder, v *T, fields map[string]int) error {
	rv := reflect.ValueOf(v).Elem()
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		return readField(dec, rv, fields, name)
	})
}

// readField reads member name into its field of v; other members are
// skipped.
func readField(dec *jsontext.Decoder, v reflect.Value, fields map[string]int, name []byte) (err error) {
	i, ok := fields[string(name)]
	if !ok {
		return dec.SkipValue()
	}
	switch p := v.Field(i).Addr().Interface().(type) {
	case *string:
		*p, err = readText(dec)
	case *bool:
		*p, err = readBool(dec)
	case *int:
		*p, err = readInt(dec)
	case *Priority:
		*p, err = readPriority(dec)
	case *Time:
		*p, err = readTime(dec)
	case *map[string]string:
		*p, err = readStringMap(dec)
	case *map[string]ChatMember:
		*p, err = readMembers(dec)
	case *[]Ticket:
		*p, err = readObjects(dec, readTicket)
	case *[]Message:
		*p, err = readObjects(dec, readMessage)
	case **Ticket:
		*p, err = objectPtr(dec, readTicket)
	case **Chat:
		*p, err = objectPtr(dec, readChat)
	case **Message:
		*p, err = objectPtr(dec, readMessage)
	default:
		panic(fmt.Sprintf("periskope: no reader for %T", p))
	}
	return err
}

func readTicket(dec *jsontext.Decoder, t *Ticket) error {
	rv := reflect.ValueOf(t).Elem()
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		switch string(name) {
		case "org_id":
			return readIDInto(dec, &t.OrgID, idOrgID, &t.looseIDs, &t.sentOrgID)
		case "ticket_id":
			return readIDInto(dec, &t.TicketID, idTicketID, &t.looseIDs, &t.sentTicketID)
		}
		return readField(dec, rv, ticketFields, name)
	})
}

func readChat(dec *jsontext.Decoder, c *Chat) error { return readFields(dec, c, chatFields) }

func readChatMember(dec *jsontext.Decoder, m *ChatMember) error {
	return readFields(dec, m, chatMemberFields)
}

func readMessage(dec *jsontext.Decoder, m *Message) error { return readFields(dec, m, messageFields) }

func readTicketList(dec *jsontext.Decoder, l *TicketList) error {
	return readFields(dec, l, ticketListFields)
}

// readMembers reads Chat.Members: an object of member objects, keyed by
// contact id. Members that are not objects are left out; a value that is
// not an object reads as nil.
func readMembers(dec *jsontext.Decoder) (map[string]ChatMember, error) {
	members := map[string]ChatMember{}
	ok, err := readObjectOrSkip(dec, func(dec *jsontext.Decoder, name []byte) error {
		id := string(name)
		if dec.PeekKind() != '{' {
			return dec.SkipValue()
		}
		var m ChatMember
		if err := readChatMember(dec, &m); err != nil {
			return err
		}
		members[id] = m
		return nil
	})
	if !ok {
		return nil, err
	}
	return members, err
}

// priorityOf reads a priority from text: a number ("2", "2.0"), a name
// ("low" … "urgent", "none", any case) or "" (PriorityNone).
func priorityOf(s string) (Priority, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PriorityNone, nil
	}
	if n, ok := intOf(s); ok {
		return Priority(n), nil
	}
	switch strings.ToLower(s) {
	case "none":
		return PriorityNone, nil
	case "low":
		return PriorityLow, nil
	case "medium":
		return PriorityMedium, nil
	case "high":
		return PriorityHigh, nil
	case "urgent":
		return PriorityUrgent, nil
	}
	return PriorityNone, fmt.Errorf("periskope: unknown priority %q", s)
}

// decodeEvent reads a webhook envelope, taking Type from "event" or else
// "event_type", and keeps a copy of b in Raw.
func decodeEvent(b []byte) (Event, error) {
	var e Event
	var eventType string
	_, err := readTop(b, false, func(dec *jsontext.Decoder) error {
		return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
			return readEventMember(dec, name, &e, &eventType)
		})
	})
	if err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	e.settleType(eventType)
	e.Raw = append(json.RawMessage(nil), b...)
	return e, nil
}

// readEventMember reads one member of a webhook envelope; eventType is its
// event_type member.
func readEventMember(dec *jsontext.Decoder, name []byte, e *Event, eventType *string) error {
	switch string(name) {
	case "event":
		return readIDInto(dec, &e.Type, idEvent, &e.looseIDs, nil)
	case "event_type":
		return readIDInto(dec, eventType, idEventType, &e.looseIDs, nil)
	case "org_id":
		return readIDInto(dec, &e.OrgID, idOrgID, &e.looseIDs, nil)
	case "timestamp":
		var err error
		e.Timestamp, err = readText(dec)
		return err
	case "data":
		return readRawMember(dec, &e.Data)
	case "previous_attributes":
		return readRawMember(dec, &e.PreviousAttributes)
	}
	return dec.SkipValue()
}

// decodeTicketInfoObject is TicketInfo.UnmarshalJSON: null leaves ti as
// it is, as encoding/json does.
func decodeTicketInfoObject(ti *TicketInfo, b []byte) error {
	var v TicketInfo
	null, err := readTop(b, true, func(dec *jsontext.Decoder) error {
		return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
			_, _, err := readTicketInfoMember(dec, name, &v)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("periskope: ticket info: %w", err)
	}
	if !null {
		v.Raw = append(json.RawMessage(nil), b...)
		*ti = v
	}
	return nil
}

// decodeTicketInfo reads a ticket info object, or a bare ticket (an
// object with ticket_id but no ticket), which it wraps. Raw is a copy of b.
func decodeTicketInfo(b []byte) (*TicketInfo, error) {
	ti := &TicketInfo{}
	var hasTicket, hasTicketID bool
	_, err := readTop(b, false, func(dec *jsontext.Decoder) error {
		return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
			t, id, err := readTicketInfoMember(dec, name, ti)
			hasTicket, hasTicketID = hasTicket || t, hasTicketID || id
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	if !hasTicket && hasTicketID {
		var t Ticket
		if err := decodeInto(&t, b, readTicket); err != nil {
			return nil, err
		}
		*ti = TicketInfo{Ticket: &t}
	}
	ti.Raw = append(json.RawMessage(nil), b...)
	return ti, nil
}

// readTicketInfoMember reads one member of a ticket info object. It also
// reports whether the member is a non-null ticket or a non-null ticket_id,
// for the bare ticket rule of decodeTicketInfo.
func readTicketInfoMember(dec *jsontext.Decoder, name []byte, ti *TicketInfo) (ticket, ticketID bool, err error) {
	switch string(name) {
	case "ticket":
		ticket = dec.PeekKind() != 'n'
	case "ticket_id":
		return false, dec.PeekKind() != 'n', dec.SkipValue()
	}
	return ticket, false, readField(dec, reflect.ValueOf(ti).Elem(), ticketInfoFields, name)
}

// decodeInto is the UnmarshalJSON of Ticket and TicketList: b must hold
// an object, or null (the zero value). On an error v is left as it was.
func decodeInto[T any](v *T, b []byte, read func(dec *jsontext.Decoder, v *T) error) error {
	var out T
	if _, err := readTop(b, true, func(dec *jsontext.Decoder) error { return read(dec, &out) }); err != nil {
		return err
	}
	*v = out
	return nil
}

// decodeTicketArray reads a bare array of tickets, as a page of GET
// /tickets may be.
func decodeTicketArray(b []byte) ([]Ticket, error) {
	var tickets []Ticket
	err := readJSON(b, func(dec *jsontext.Decoder) error {
		var err error
		tickets, err = readObjects(dec, readTicket)
		return err
	})
	return tickets, err
}

// ticketInfo is Event.TicketInfo. Data may be a ticket info object or a
// bare ticket, also sent as the text of a JSON string; unknown events are
// ErrNotTicketEvent, and Raw of the result is Data.
func ticketInfo(e *Event) (*TicketInfo, error) {
	if !strings.HasPrefix(e.Type, "ticket.") {
		return nil, fmt.Errorf("%w: %q", ErrNotTicketEvent, e.Type)
	}
	data := bytes.TrimSpace(e.Data)
	if len(data) > 0 && data[0] == '"' {
		// The object arrives as the text of a JSON string.
		if !jsontext.Value(data).IsValid(decodeOptions) {
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
		if err := ti.Ticket.looseIDs.err("ticket."); err != nil {
			return nil, fmt.Errorf("%w: data: %w", ErrMalformedEvent, err)
		}
	}
	return ti, nil
}

// errorBody is Periskope's error answer, {"code", "message"}.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var errorBodyFields = fieldsOf[errorBody]()

// unwrapText is the text of the valid JSON string raw, decoded so that
// the text still says what the string's sender meant where UTF-8 cannot:
// an unpaired surrogate escape stays the six-character escape, and an
// invalid UTF-8 byte stays that byte. The object decoder then applies its
// own rules to each member, as for data sent as an object: an id holding
// either is refused by name, a text reads U+FFFD. Unquoting to U+FFFD
// instead would make "\ud800", "\udbff" and "\udfff" one id. This is
// also what two JSON.parse calls in JavaScript do with UTF-16 code units:
// an escape kept next to a surrogate decoded from the outer string pairs
// with it as the code units would, and a surrogate right after a backslash
// of the inner text (an invalid escape there) becomes U+FFFD, which keeps
// it invalid rather than turning "\\" + "ud800" into a valid escape.
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
		r, _ := hex4(in, i+2)
		n := 6
		if r >= 0xD800 && r <= 0xDBFF && i+12 <= len(in) && in[i+6] == '\\' && in[i+7] == 'u' {
			if lo, ok := hex4(in, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				r, n = utf16.DecodeRune(r, lo), 12
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
	n := len(b) - len(bytes.TrimRight(b, `\`))
	return n%2 == 1
}

// decodeErrorBody reads Periskope's error answer: {"code", "message"},
// also nested under "error" or with "error" as the message; a bare JSON
// string is the message. Anything else gives nothing.
func decodeErrorBody(b []byte) (code, message string) {
	var top, nested errorBody
	var text string
	err := readJSON(b, func(dec *jsontext.Decoder) (err error) {
		switch dec.PeekKind() {
		case '"':
			text, err = readText(dec)
			return err
		case '{':
		default:
			return dec.SkipValue()
		}
		rv := reflect.ValueOf(&top).Elem()
		return readObject(dec, func(dec *jsontext.Decoder, name []byte) (err error) {
			switch {
			case string(name) != "error":
				return readField(dec, rv, errorBodyFields, name)
			case dec.PeekKind() == '{':
				return readFields(dec, &nested, errorBodyFields)
			}
			text, err = readText(dec)
			return err
		})
	})
	if err != nil {
		return "", ""
	}
	return firstNonEmpty(top.Code, nested.Code), firstNonEmpty(top.Message, nested.Message, text)
}

// hex4 reads the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}
