package text_test

import (
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

func TestClasses(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		digit := '0' <= c && c <= '9'
		lower := 'a' <= c && c <= 'z'
		upper := 'A' <= c && c <= 'Z'
		if text.IsAlnum(b) != (digit || lower || upper) {
			t.Errorf("byte %#x: IsAlnum %v", b, text.IsAlnum(b))
		}
	}
}

func TestAll(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"0123456789", true},
		{"012a", false},
		{"a012", false},
		{"٣", false}, // a non-ASCII digit
	} {
		if got := text.AllBytes(tt.s, isDigit); got != tt.want {
			t.Errorf("All(%q, IsDigit) = %v, want %v", tt.s, got, tt.want)
		}
		if got := text.IsDigits(tt.s); got != (tt.want && tt.s != "") {
			t.Errorf("IsDigits(%q) = %v", tt.s, got)
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
