package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s fit for one field of a line a person reads on a
// terminal: text from a ticket can neither run an escape sequence (colours,
// OSC 52 writing the clipboard, a title), nor move the cursor, nor start a
// forged line or cell, nor reorder what follows it. It escapes C0 controls
// as \n, \r, \t or \xNN (ESC is \x1b); DEL, C1 controls (e.g. the
// one-character CSI), line and paragraph separators and bidirectional
// formatting characters (e.g. U+202E) as \uNNNN; bytes not UTF-8 as \xNN.
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
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
