// Package jsonscan reads JSON text in one pass for periskope's fast
// decoding path. It knows no type: a Scanner walks objects and arrays,
// checks the grammar of everything it passes over, and hands each value out
// as a sub-slice of the input, exactly the bytes encoding/json would put in
// a json.RawMessage, so reading a member costs no copy. The readers that
// fill periskope's model types are built on it in package periskope.
//
// It exists because encoding/json cannot decode Periskope's loosely typed
// payloads at the webhook's floor (HMAC-SHA256 + json.Unmarshal into any of
// the same 4,013-byte ticket.created). Measured on 2026-11-29 (CPU time per
// op, medians of 10 interleaved runs, ratio paired with the floor of the
// same run), the whole webhook CPU path costs:
//
//   - with this scanner: 0.77-0.84x the floor on go1.26.8, 0.86-0.91x on
//     go1.27.3 (the project's toolchain);
//   - with the model types decoded by encoding/json into typed structs whose
//     leaves are tolerant UnmarshalJSON types: 2.95-2.99x on go1.26.8,
//     1.61x on go1.27.3;
//   - with go1.27.3's encoding/json/v2 streaming through UnmarshalJSONFrom:
//     1.04-1.13x, at best within noise of the floor.
//
// Decoding alone (envelope and ticket info) is 0.52x json.Unmarshal into
// any of the same body with this scanner on go1.27.3, 1.19x with the typed
// structs. BENCHMARKS.md ("Decoding: the hand decoder against
// encoding/json") has the tables and how to reproduce them; measure again
// when go.mod's go line moves to 1.27.
//
// Every method reports false on input it does not accept, and the caller
// then falls back to its tolerant path, which produces the error (or, for
// the rare input left to it on purpose, such as nesting deeper than
// MaxDepth, the result).
package jsonscan

import (
	"encoding/json"
	"unicode/utf8"
)

// MaxDepth bounds nesting (encoding/json allows 10000). Deeper input is
// refused rather than recursed into, and left to the caller's fallback.
const MaxDepth = 512

// A Scanner reads one JSON text. It accepts only what json.Valid accepts,
// values it skips included, so that a fast path built on it never takes
// input its tolerant path would reject. The zero value reads nothing; use
// New.
type Scanner struct {
	b     []byte
	i     int // next byte to read
	depth int // open objects and arrays
}

// New returns a Scanner at the start of b.
func New(b []byte) Scanner { return Scanner{b: b} }

// AtEnd reports whether the whole input has been read.
func (s *Scanner) AtEnd() bool { return s.i == len(s.b) }

// TooDeep reports whether reading stopped at a nesting deeper than
// MaxDepth.
func (s *Scanner) TooDeep() bool { return s.depth > MaxDepth }

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

// SkipSpace skips JSON whitespace.
func (s *Scanner) SkipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\n', '\r', '\t':
			s.i++
		default:
			return
		}
	}
}

// Peek returns the next byte, or 0 at the end of the input.
func (s *Scanner) Peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// RawString reads the string at the current position and returns its JSON
// text, quotes included. plain reports that the text between the quotes is
// the string's value as encoding/json decodes it: no escape, and valid
// UTF-8 (encoding/json replaces invalid bytes with U+FFFD).
func (s *Scanner) RawString() (raw []byte, plain, ok bool) {
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
func (s *Scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
	}
	return s.i > start
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. What may
// follow it is the caller's grammar: "01" fails there, at the "1".
func (s *Scanner) number() bool {
	if s.Peek() == '-' {
		s.i++
	}
	switch c := s.Peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.Peek() == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if c := s.Peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.Peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// literal reads the word w (true, false or null).
func (s *Scanner) literal(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// Value reads any value at the current position and returns its JSON text.
func (s *Scanner) Value() ([]byte, bool) {
	start := s.i
	var ok bool
	switch c := s.Peek(); c {
	case '{':
		ok = s.Object(s.skipMember)
	case '[':
		ok = s.Array(s.skipElement)
	case '"':
		_, _, ok = s.RawString()
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

func (s *Scanner) skipMember([]byte) bool { _, ok := s.Value(); return ok }
func (s *Scanner) skipElement() bool      { _, ok := s.Value(); return ok }

// enter and leave count nesting.
func (s *Scanner) enter() bool {
	s.depth++
	s.i++ // the '{' or '['
	return s.depth <= MaxDepth
}

func (s *Scanner) leave() bool {
	s.depth--
	s.i++ // the '}' or ']'
	return true
}

// Object reads the object at the current position. For each member it
// calls member with the member's name (decoded; a sub-slice of the input
// unless the name has escapes) and the position at the value, which member
// must consume. It reports false as soon as member does.
func (s *Scanner) Object(member func(key []byte) bool) bool {
	if !s.enter() {
		return false
	}
	s.SkipSpace()
	if s.Peek() == '}' {
		return s.leave()
	}
	for {
		if s.Peek() != '"' {
			return false
		}
		raw, plain, ok := s.RawString()
		if !ok {
			return false
		}
		key := raw[1 : len(raw)-1]
		if !plain {
			key = []byte(Unquote(raw))
		}
		s.SkipSpace()
		if s.Peek() != ':' {
			return false
		}
		s.i++
		s.SkipSpace()
		if !member(key) {
			return false
		}
		s.SkipSpace()
		switch s.Peek() {
		case ',':
			s.i++
			s.SkipSpace()
		case '}':
			return s.leave()
		default:
			return false
		}
	}
}

// Array reads the array at the current position, calling elem with the
// position at each element, which elem must consume. It reports false as
// soon as elem does.
func (s *Scanner) Array(elem func() bool) bool {
	if !s.enter() {
		return false
	}
	s.SkipSpace()
	if s.Peek() == ']' {
		return s.leave()
	}
	for {
		if !elem() {
			return false
		}
		s.SkipSpace()
		switch s.Peek() {
		case ',':
			s.i++
			s.SkipSpace()
		case ']':
			return s.leave()
		default:
			return false
		}
	}
}

// Unquote decodes the JSON string raw (quotes included, already accepted by
// RawString) as encoding/json does. Fast paths need it only for strings
// that are not plain, which are rare.
func Unquote(raw []byte) string {
	var v string
	_ = json.Unmarshal(raw, &v) // cannot fail on a string RawString accepted
	return v
}

// Text decodes the string at the current position.
func (s *Scanner) Text() (string, bool) {
	raw, plain, ok := s.RawString()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(raw[1 : len(raw)-1]), true
	default:
		return Unquote(raw), true
	}
}
