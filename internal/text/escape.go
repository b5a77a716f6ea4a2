package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s fit for one field of a line a person reads on a
// terminal: every character a terminal would act on rather than show is
// written as an escape, so that text from a ticket (a subject, an id, an
// error Periskope sent) can neither run an escape sequence (colours, OSC 52
// writing the clipboard, a title), nor move the cursor, nor start a forged
// line or table cell, nor reorder what follows it. It escapes
//   - C0 controls: \n, \r, \t, and \xNN for the others (ESC is \x1b);
//   - DEL, C1 controls (U+0080 to U+009F, e.g. the one-character CSI), the
//     line and paragraph separators and the bidirectional formatting
//     characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
//     U+2069): \uNNNN;
//   - bytes that are not UTF-8: \xNN.
//
// Everything else, the backslash included, is kept, so that JSON, whose
// encoder already escapes C0 controls, stays valid JSON line by line.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isInvisibleControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isInvisibleControl reports DEL, C1 controls, line and paragraph separators
// and bidirectional formatting characters.
func isInvisibleControl(r rune) bool {
	switch {
	case r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
