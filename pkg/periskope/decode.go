package periskope

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Periskope's payloads are loosely typed: any field may be null or missing,
// numbers arrive as strings and the other way round, and new fields appear.
// The model types therefore decode member by member: a member of an
// unexpected type decodes as the zero value of its field instead of failing
// the whole payload. Only input that is not JSON, or not an object where an
// object is required, is an error.
//
// This file holds the tolerant path, which reads each object through fields
// and converts each member with the raw* functions. It is the reference: the
// fast path (fastdecode.go) reads the input once, uses the same converters
// and falls back to this path for whatever it does not take.

// errNotObject reports JSON that is valid but not an object.
var errNotObject = errors.New("not a JSON object")

// fields is one decoded JSON object, member by member.
type fields map[string]json.RawMessage

// decodeFields reads b as a JSON object. null decodes to nil fields.
func decodeFields(b []byte) (fields, error) {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		return nil, nil
	}
	if len(b) == 0 || b[0] != '{' {
		if !json.Valid(b) {
			return nil, errors.New("invalid JSON")
		}
		return nil, errNotObject
	}
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return f, nil
}

func isNull(b []byte) bool { return string(b) == "null" }

// has reports whether key is present and not null.
func (f fields) has(key string) bool {
	v, ok := f[key]
	return ok && !isNull(v)
}

// str reads a string member. Numbers and booleans keep their JSON text;
// null, objects and arrays read as "".
func (f fields) str(key string) string { return rawString(f[key]) }

func rawString(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	case '{', '[', 'n':
		return ""
	default: // number, true, false
		return string(v)
	}
}

// Identifiers (an event's name and org_id, a ticket's ticket_id and
// org_id) become keys and names, so they are read strictly: each must be a
// JSON string whose text decodes exactly as sent. encoding/json turns an
// unpaired surrogate escape ("\ud800") or an invalid UTF-8 byte into
// U+FFFD, so "\ud800" and "\udfff" would read as one id, and the tolerant
// reading of a number keeps its text, so 100, 1e2 and 100.0 would be three.
// The decoders still read such a member as str does, and record it in the
// object's idSet; ParseEvent and Event.TicketInfo then refuse it.

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

// mark records whether the member id was read exactly; a repeated member's
// last occurrence decides, as it decides the value.
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

// id reads an identifier member as str does, and marks it in set.
func (f fields) id(key string, id idSet, set *idSet) string {
	v, exact := rawID(f[key])
	set.mark(id, exact)
	return v
}

// rawID reads an identifier as rawString does, and reports whether it is
// exact: missing, null, or a JSON string that exactString accepts.
func rawID(v json.RawMessage) (string, bool) {
	switch {
	case len(v) == 0 || isNull(v):
		return "", true
	case v[0] == '"':
		return rawString(v), exactString(v)
	default:
		return rawString(v), false
	}
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

// boolean reads true/false, "true"/"false" or a number (non-zero is true).
func (f fields) boolean(key string) bool { return rawBool(f[key]) }

// rawBool is boolean for one member's JSON.
func rawBool(v json.RawMessage) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case 't':
		return true
	case '"':
		b, _ := strconv.ParseBool(strings.TrimSpace(rawString(v)))
		return b
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		n, err := strconv.ParseFloat(string(v), 64)
		return err == nil && n != 0
	}
	return false
}

// integer reads a number or a numeric string; anything else is 0.
func (f fields) integer(key string) int { return rawInt(f[key]) }

// rawInt is integer for one member's JSON.
func rawInt(v json.RawMessage) int {
	s := strings.TrimSpace(rawString(v))
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int(x)) {
		return int(x)
	}
	return 0
}

// priority reads a Priority; an unreadable one is PriorityNone.
func (f fields) priority(key string) Priority {
	if v, ok := f[key]; ok {
		return rawPriority(v)
	}
	return PriorityNone
}

// rawPriority is priority for one member's JSON.
func rawPriority(v json.RawMessage) Priority {
	var p Priority
	_ = p.UnmarshalJSON(v) // tolerant: leaves p at 0 on error
	return p
}

// time reads a Time. Text that is not a known timestamp form keeps Raw with a
// zero time rather than failing.
func (f fields) time(key string) Time {
	if v, ok := f[key]; ok {
		return rawTime(v)
	}
	return Time{}
}

// rawTime is time for one member's JSON.
func rawTime(v json.RawMessage) Time {
	var t Time
	if err := t.UnmarshalJSON(v); err != nil {
		t = Time{Raw: rawString(v)}
	}
	return t
}

// stringMap reads an object whose values should be strings. Values of other
// types are kept as their JSON text ("3", "true", `{"a":1}`); null is "".
// A member that is not an object reads as nil.
func (f fields) stringMap(key string) map[string]string {
	obj, err := decodeFields(f[key])
	if err != nil || obj == nil {
		return nil
	}
	m := make(map[string]string, len(obj))
	for k, v := range obj {
		m[k] = stringMapValue(v)
	}
	return m
}

// stringMapValue is one value of stringMap: objects and arrays as compact
// JSON, other values as rawString reads them.
func stringMapValue(v json.RawMessage) string {
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			return buf.String()
		}
	}
	return rawString(v)
}

// tolerantDecoder is a model type's field-by-field decoding (the fallback
// of its UnmarshalJSON, see fastdecode.go). Nested objects of the tolerant
// path decode through it too, so that the tolerant path never depends on
// the fast one.
type tolerantDecoder interface {
	decodeTolerant(b []byte) error
}

// object decodes a nested object member into dst tolerantly. It returns
// false when the member is missing, null or not an object.
func (f fields) object(key string, dst tolerantDecoder) bool { return decodeObject(f[key], dst) }

// decodeObject decodes v into dst if v is a JSON object.
func decodeObject(v json.RawMessage, dst tolerantDecoder) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' {
		return false
	}
	return dst.decodeTolerant(v) == nil
}

// objects decodes each object element of an array member; other elements
// are skipped.
func objects[T any, PT interface {
	*T
	tolerantDecoder
}](v json.RawMessage) []T {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '[' {
		return nil
	}
	var elems []json.RawMessage
	if json.Unmarshal(v, &elems) != nil {
		return nil
	}
	out := make([]T, 0, len(elems))
	for _, e := range elems {
		var x T
		if decodeObject(e, PT(&x)) {
			out = append(out, x)
		}
	}
	return out
}
