package text

// pkg/periskope keeps its own digit check: the public package imports
// nothing of this module.

// IsDigit reports whether c is 0 to 9.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsLower reports whether c is a to z.
func IsLower(c byte) bool { return c >= 'a' && c <= 'z' }

// IsAlnum reports whether c is an ASCII letter or digit.
func IsAlnum(c byte) bool { return IsLower(c) || c >= 'A' && c <= 'Z' || IsDigit(c) }

// AllBytes reports whether every byte of s satisfies ok; it is true for "".
func AllBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
