package text

// pkg/periskope keeps its own one-line digit check: the public library
// imports of this module only internal/ratereset, the header rule it shares
// with reconcile, not the tools' and functions' helpers.

// IsAlnum reports whether c is an ASCII letter or digit.
func IsAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool { return s != "" && AllBytes(s, isDigit) }

// AllBytes reports whether every byte of s satisfies ok; it is true for "".
func AllBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
