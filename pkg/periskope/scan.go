package periskope

import (
	"encoding/json"
	"unicode/utf8"
)

// scanner reads JSON text for the fast decoding path (fastdecode.go) in one
// pass. It checks the grammar of everything it passes over, values it skips
// included, as json.Valid does, so that the fast path never accepts input
// the tolerant path would reject. Every method returns false on input it
// does not accept; the caller then falls back to the tolerant path, which
// produces the error (or, for the rare input the scanner leaves to it on
// purpose, such as very deep nesting, the result).
//
// Values are handed out as sub-slices of the input: exactly the bytes
// encoding/json would put in a json.RawMessage.
type scanner struct {
	b     []byte
	i     int // next byte to read
	depth int // open objects and arrays
}

// maxScanDepth bounds nesting (encoding/json allows 10000). Deeper input is
// left to the tolerant path rather than recursed into here.
const maxScanDepth = 512

// strSpecial marks the bytes that end the fast loop over a string's
// contents: the closing quote, an escape, a control character (invalid in a
// JSON string) or the start of a multi-byte UTF-8 sequence.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = true
	}
	return t
}()

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\n', '\r', '\t':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end of the input.
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads the string at s.i and returns its JSON text, quotes included.
// plain reports that the text between the quotes is the string's value as
// encoding/json decodes it: no escape, and valid UTF-8 (encoding/json
// replaces invalid bytes with U+FFFD).
func (s *scanner) str() (raw []byte, plain, ok bool) {
	start := s.i
	i := s.i + 1
	plain = true
	ascii := true
	for {
		for i < len(s.b) && !strSpecial[s.b[i]] {
			i++
		}
		if i >= len(s.b) {
			return nil, false, false
		}
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			raw = s.b[start:s.i]
			if plain && !ascii {
				plain = utf8.Valid(raw[1 : len(raw)-1])
			}
			return raw, plain, true
		case c == '\\':
			plain = false
			if i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.b) || !isHex(s.b[i+2]) || !isHex(s.b[i+3]) || !isHex(s.b[i+4]) || !isHex(s.b[i+5]) {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default: // a byte of a multi-byte sequence
			ascii = false
			i++
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digits skips a run of decimal digits and reports whether there was one.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. What may
// follow it is the caller's grammar: "01" fails there, at the "1".
func (s *scanner) number() bool {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// literal reads the word w (true, false or null).
func (s *scanner) literal(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// value reads any value at s.i and returns its JSON text.
func (s *scanner) value() ([]byte, bool) {
	start := s.i
	var ok bool
	switch c := s.peek(); c {
	case '{':
		ok = s.object(s.skipMember)
	case '[':
		ok = s.array(s.skipElement)
	case '"':
		_, _, ok = s.str()
	case 't':
		ok = s.literal("true")
	case 'f':
		ok = s.literal("false")
	case 'n':
		ok = s.literal("null")
	default:
		ok = s.number()
	}
	return s.b[start:s.i], ok
}

func (s *scanner) skipMember([]byte) bool { _, ok := s.value(); return ok }
func (s *scanner) skipElement() bool      { _, ok := s.value(); return ok }

// enter and leave count nesting.
func (s *scanner) enter() bool {
	s.depth++
	s.i++ // the '{' or '['
	return s.depth <= maxScanDepth
}

func (s *scanner) leave() bool {
	s.depth--
	s.i++ // the '}' or ']'
	return true
}

// object reads the object at s.i. For each member it calls member with the
// member's name (decoded) and s.i at the value, which member must consume.
func (s *scanner) object(member func(key []byte) bool) bool {
	if !s.enter() {
		return false
	}
	s.ws()
	if s.peek() == '}' {
		return s.leave()
	}
	for {
		if s.peek() != '"' {
			return false
		}
		raw, plain, ok := s.str()
		if !ok {
			return false
		}
		key := raw[1 : len(raw)-1]
		if !plain {
			key = []byte(unquote(raw))
		}
		s.ws()
		if s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		if !member(key) {
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
			s.ws()
		case '}':
			return s.leave()
		default:
			return false
		}
	}
}

// array reads the array at s.i, calling elem with s.i at each element,
// which elem must consume.
func (s *scanner) array(elem func() bool) bool {
	if !s.enter() {
		return false
	}
	s.ws()
	if s.peek() == ']' {
		return s.leave()
	}
	for {
		if !elem() {
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
			s.ws()
		case ']':
			return s.leave()
		default:
			return false
		}
	}
}

// unquote decodes the JSON string raw (quotes included, already checked by
// str) as encoding/json does; the fast path uses it only for strings that
// are not plain, which are rare.
func unquote(raw []byte) string {
	var v string
	_ = json.Unmarshal(raw, &v) // cannot fail on a string str accepted
	return v
}

// text decodes the string at s.i.
func (s *scanner) text() (string, bool) {
	raw, plain, ok := s.str()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(raw[1 : len(raw)-1]), true
	default:
		return unquote(raw), true
	}
}

// idValue reads an identifier as fields.id does: its value, and whether it
// is exact (see rawID).
func (s *scanner) idValue() (v string, exact, ok bool) {
	if s.peek() != '"' {
		raw, ok := s.value()
		if !ok {
			return "", false, false
		}
		v, exact = rawID(raw)
		return v, exact, true
	}
	raw, plain, ok := s.str()
	switch {
	case !ok:
		return "", false, false
	case plain: // no escape, valid UTF-8: exact
		return string(raw[1 : len(raw)-1]), true, true
	default:
		return unquote(raw), exactString(raw), true
	}
}
