package periskope

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Periskope's payloads are loosely typed: any field may be null or missing,
// numbers arrive as strings and the other way round, and new fields appear.
// Each model type therefore reads its object member by member from an
// encoding/json/v2 token stream (jsontext.Decoder): a member of an
// unexpected type reads as the zero value of its field instead of failing
// the whole payload, and unknown members are skipped. What is refused is
// what is not JSON, or not an object where an object is required, and,
// as encoding/json/v2 does by default, an object with a repeated member
// name. Member names match exactly (no case folding).
//
// Invalid UTF-8 in strings is accepted and read as U+FFFD, as is an
// unpaired surrogate escape ("\ud800"); identifiers are read strictly
// instead (see readID).
//
// The readers walk the token stream themselves rather than unmarshal into
// tagged structs: a struct field of type string would refuse a number, so
// tolerant leaves would need shadow structs (each field named twice more)
// or type-wide unmarshaler options (every string of the model tolerant),
// and an identifier must also tell its object whether it was exact, which a
// leaf unmarshaler cannot. One switch per type names each member once more
// than the struct tag, and reads a 4 KB ticket.created in one pass.

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

// readTopObject runs readObject on b, which must hold one object. A null
// calls onNull instead; nil onNull makes null an error.
func readTopObject(b []byte, onNull func(), member func(dec *jsontext.Decoder, name []byte) error) error {
	return readJSON(b, func(dec *jsontext.Decoder) error {
		switch dec.PeekKind() {
		case '{':
			return readObject(dec, member)
		case 'n':
			if onNull != nil {
				onNull()
				return dec.SkipValue()
			}
			return errors.New("null")
		}
		if err := dec.SkipValue(); err != nil {
			return err
		}
		return errNotObject
	})
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
// UTF-8 and unpaired surrogate escapes.
func stringText(raw []byte) string {
	if plainJSONString(raw) {
		return string(raw[1 : len(raw)-1])
	}
	out, _ := jsontext.AppendUnquote(nil, raw) // invalid UTF-8 is reported, and replaced in out
	return string(out)
}

// jsonText reads one member's JSON as text: a string's text, the JSON text
// of a number or a boolean, "" for null, objects and arrays.
func jsonText(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		return stringText(raw)
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

// Identifiers (an event's name and org_id, a ticket's ticket_id and
// org_id) become keys and names, so they are read strictly: each must be a
// JSON string whose text decodes exactly as sent. Reading as text turns an
// unpaired surrogate escape ("\ud800") or an invalid UTF-8 byte into
// U+FFFD, so "\ud800" and "\udfff" would read as one id, and reading a
// number as text keeps its text, so 100, 1e2 and 100.0 would be three.
// readID still reads such a member as readText does, and its caller records
// it in the object's idSet; ParseEvent and Event.TicketInfo then refuse it.

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

// mark records whether the member id was read exactly.
func (s *idSet) mark(id idSet, exact bool) {
	if exact {
		*s &^= id
	} else {
		*s |= id
	}
}

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

// exactString reports whether the JSON string raw (quotes included,
// already valid) decodes to exactly the text sent: valid UTF-8 and no \u
// escape of an unpaired surrogate.
func exactString(raw []byte) bool {
	return utf8.Valid(raw) && !hasLoneSurrogate(raw)
}

// hasLoneSurrogate reports whether the JSON string raw holds a \u escape of
// a high surrogate not followed by one of a low surrogate, or of a low
// surrogate not preceded by a high one.
func hasLoneSurrogate(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character; a one-character escape ends here
		if i >= len(raw) || raw[i] != 'u' {
			continue
		}
		r, ok := hex4(raw, i+1)
		if !ok {
			return false // not valid JSON: the grammar check reports it
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return true
			}
			if lo, ok := hex4(raw, i+3); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// readID reads an identifier as readText does, and reports whether it is
// exact: missing, null, or a JSON string that exactString accepts.
func readID(dec *jsontext.Decoder) (v string, exact bool, err error) {
	switch dec.PeekKind() {
	case 'n':
		return "", true, dec.SkipValue()
	case '"':
		raw, err := dec.ReadValue()
		if err != nil {
			return "", false, err
		}
		return stringText(raw), exactString(raw), nil
	}
	v, err = readText(dec)
	return v, false, err
}

// readIDInto reads an identifier into v and records it in set.
func readIDInto(dec *jsontext.Decoder, v *string, id idSet, set *idSet) error {
	s, exact, err := readID(dec)
	*v = s
	set.mark(id, exact)
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
	return intOf(s), err
}

// intOf reads an integer, also written as a float ("2.0", 2e0); 0 if s
// holds none.
func intOf(s string) int {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int(x)) {
		return int(x)
	}
	return 0
}

// readPriority reads a Priority as Priority.UnmarshalJSON does; an
// unreadable one is PriorityNone.
func readPriority(dec *jsontext.Decoder) (Priority, error) {
	s, err := readText(dec)
	p, _ := priorityOf(s)
	return p, err
}

// readTime reads a Time as Time.UnmarshalJSON does. Text that is not a
// known timestamp form keeps Raw with a zero time rather than failing.
func readTime(dec *jsontext.Decoder) (Time, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return Time{}, err
	}
	if raw[0] == '"' {
		text := stringText(raw)
		var t Time
		if t.setText(text) != nil {
			t = Time{Raw: text}
		}
		return t, nil
	}
	var t Time
	if t.UnmarshalJSON(raw) != nil {
		t = Time{Raw: jsonText(raw)}
	}
	return t, nil
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

// The model types' readers. Each reads the object at dec into a zero
// value.

// readRawMember keeps a copy of a member's JSON, byte for byte; null
// keeps nil.
func readRawMember(dec *jsontext.Decoder, v *json.RawMessage) error {
	raw, err := dec.ReadValue()
	if err == nil && raw[0] != 'n' {
		*v = append(json.RawMessage(nil), raw...)
	}
	return err
}

// readTicket reads a ticket object.
func readTicket(dec *jsontext.Decoder, t *Ticket) error {
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "org_id":
			err = readIDInto(dec, &t.OrgID, idOrgID, &t.looseIDs)
		case "ticket_id":
			err = readIDInto(dec, &t.TicketID, idTicketID, &t.looseIDs)
		case "chat_id":
			t.ChatID, err = readText(dec)
		case "subject":
			t.Subject, err = readText(dec)
		case "status":
			t.Status, err = readText(dec)
		case "priority":
			t.Priority, err = readPriority(dec)
		case "assignee":
			t.Assignee, err = readText(dec)
		case "assigned_by":
			t.AssignedBy, err = readText(dec)
		case "raised_by":
			t.RaisedBy, err = readText(dec)
		case "due_date":
			t.DueDate, err = readTime(dec)
		case "created_at":
			t.CreatedAt, err = readTime(dec)
		case "closed_at":
			t.ClosedAt, err = readTime(dec)
		case "closed_by":
			t.ClosedBy, err = readText(dec)
		case "ticket_labels":
			t.TicketLabels, err = readText(dec)
		case "quoted_message_id":
			t.QuotedMessageID, err = readText(dec)
		case "ticket_custom_properties":
			t.TicketCustomProperties, err = readStringMap(dec)
		case "is_deleted":
			t.IsDeleted, err = readBool(dec)
		case "last_updated_at":
			t.LastUpdatedAt, err = readTime(dec)
		default:
			err = dec.SkipValue()
		}
		return err
	})
}

// readChat reads a chat object.
func readChat(dec *jsontext.Decoder, c *Chat) error {
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "chat_id":
			c.ChatID, err = readText(dec)
		case "chat_name":
			c.ChatName, err = readText(dec)
		case "chat_type":
			c.ChatType, err = readText(dec)
		case "chat_image":
			c.ChatImage, err = readText(dec)
		case "org_id":
			c.OrgID, err = readText(dec)
		case "org_phone":
			c.OrgPhone, err = readText(dec)
		case "chat_labels":
			c.ChatLabels, err = readText(dec)
		case "custom_properties":
			c.CustomProperties, err = readStringMap(dec)
		case "members":
			c.Members, err = readMembers(dec)
		case "invite_link":
			c.InviteLink, err = readText(dec)
		case "group_description":
			c.GroupDescription, err = readText(dec)
		case "is_muted":
			c.IsMuted, err = readBool(dec)
		case "created_at":
			c.CreatedAt, err = readTime(dec)
		default:
			err = dec.SkipValue()
		}
		return err
	})
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

// readChatMember reads a chat member object.
func readChatMember(dec *jsontext.Decoder, m *ChatMember) error {
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "contact_id":
			m.ContactID, err = readText(dec)
		case "contact_name":
			m.ContactName, err = readText(dec)
		case "contact_labels":
			m.ContactLabels, err = readText(dec)
		case "chat_id":
			m.ChatID, err = readText(dec)
		case "org_id":
			m.OrgID, err = readText(dec)
		case "org_phone":
			m.OrgPhone, err = readText(dec)
		case "contact_color":
			m.ContactColor, err = readText(dec)
		case "contact_image":
			m.ContactImage, err = readText(dec)
		case "is_admin":
			m.IsAdmin, err = readBool(dec)
		case "is_super_admin":
			m.IsSuperAdmin, err = readBool(dec)
		case "is_internal":
			m.IsInternal, err = readBool(dec)
		default:
			err = dec.SkipValue()
		}
		return err
	})
}

// readMessage reads a message object.
func readMessage(dec *jsontext.Decoder, m *Message) error {
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "message_id":
			m.MessageID, err = readText(dec)
		case "chat_id":
			m.ChatID, err = readText(dec)
		case "body":
			m.Body, err = readText(dec)
		case "sender_name":
			m.SenderName, err = readText(dec)
		case "sender_phone":
			m.SenderPhone, err = readText(dec)
		case "org_phone":
			m.OrgPhone, err = readText(dec)
		case "timestamp":
			m.Timestamp, err = readTime(dec)
		case "media_path":
			m.MediaPath, err = readText(dec)
		case "performed_by":
			m.PerformedBy, err = readText(dec)
		default:
			err = dec.SkipValue()
		}
		return err
	})
}

// readTicketList reads a page of tickets.
func readTicketList(dec *jsontext.Decoder, l *TicketList) error {
	return readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "tickets":
			l.Tickets, err = readObjects(dec, readTicket)
		case "count":
			l.Count, err = readInt(dec)
		case "from":
			l.From, err = readInt(dec)
		case "to":
			l.To, err = readInt(dec)
		default:
			err = dec.SkipValue()
		}
		return err
	})
}

// priorityOf reads a priority from text: a number ("2", "2.0"), a name
// ("low" … "urgent", "none", any case) or "" (PriorityNone).
func priorityOf(s string) (Priority, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PriorityNone, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return Priority(n), nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int(x)) {
		return Priority(int(x)), nil
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

// The decodings of each model type from a whole JSON text.

// decodeEvent is Event.UnmarshalJSON.
func decodeEvent(b []byte) (Event, error) {
	var e Event
	var eventType string
	err := readTopObject(b, nil, func(dec *jsontext.Decoder, name []byte) error {
		return readEventMember(dec, name, &e, &eventType)
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
		return readIDInto(dec, &e.Type, idEvent, &e.looseIDs)
	case "event_type":
		return readIDInto(dec, eventType, idEventType, &e.looseIDs)
	case "org_id":
		return readIDInto(dec, &e.OrgID, idOrgID, &e.looseIDs)
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
	null := false
	err := readTopObject(b, func() { null = true }, func(dec *jsontext.Decoder, name []byte) error {
		_, _, err := readTicketInfoMember(dec, name, &v)
		return err
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
	err := readTopObject(b, nil, func(dec *jsontext.Decoder, name []byte) error {
		t, id, err := readTicketInfoMember(dec, name, ti)
		hasTicket, hasTicketID = hasTicket || t, hasTicketID || id
		return err
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
		ti.Ticket, err = objectPtr(dec, readTicket)
	case "chat":
		ti.Chat, err = objectPtr(dec, readChat)
	case "message":
		ti.Message, err = objectPtr(dec, readMessage)
	case "attached_messages":
		ti.AttachedMessages, err = readObjects(dec, readMessage)
	case "ticket_id":
		ticketID = dec.PeekKind() != 'n'
		err = dec.SkipValue()
	default:
		err = dec.SkipValue()
	}
	return ticket, ticketID, err
}

// decodeInto is the UnmarshalJSON of Ticket, Chat, ChatMember, Message
// and TicketList: b must hold an object, or null (the zero value). On an
// error v is left as it was.
func decodeInto[T any](v *T, b []byte, read func(dec *jsontext.Decoder, v *T) error) error {
	var out T
	err := readJSON(b, func(dec *jsontext.Decoder) error {
		switch dec.PeekKind() {
		case '{':
			return read(dec, &out)
		case 'n':
			return dec.SkipValue()
		}
		if err := dec.SkipValue(); err != nil {
			return err
		}
		return errNotObject
	})
	if err != nil {
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

// ticketInfo is Event.TicketInfo.
func ticketInfo(e *Event) (*TicketInfo, error) {
	if !e.IsTicketEvent() {
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
	var errorText, nestedCode, nestedMessage string
	err := readTopObject(b, func() {}, func(dec *jsontext.Decoder, name []byte) error {
		var err error
		switch string(name) {
		case "code":
			code, err = readText(dec)
		case "message":
			message, err = readText(dec)
		case "error":
			if dec.PeekKind() != '{' {
				errorText, err = readText(dec)
				break
			}
			err = readObject(dec, func(dec *jsontext.Decoder, name []byte) error {
				var err error
				switch string(name) {
				case "code":
					nestedCode, err = readText(dec)
				case "message":
					nestedMessage, err = readText(dec)
				default:
					err = dec.SkipValue()
				}
				return err
			})
		default:
			err = dec.SkipValue()
		}
		return err
	})
	if err == nil {
		return firstNonEmpty(code, nestedCode), firstNonEmpty(message, nestedMessage, errorText)
	}
	var text string
	err = readJSON(b, func(dec *jsontext.Decoder) error {
		if dec.PeekKind() != '"' {
			return dec.SkipValue()
		}
		var err error
		text, err = readText(dec)
		return err
	})
	if err != nil {
		return "", ""
	}
	return "", text
}
