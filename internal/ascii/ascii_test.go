package ascii_test

import (
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/ascii"
)

func TestClasses(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		digit := '0' <= c && c <= '9'
		lower := 'a' <= c && c <= 'z'
		upper := 'A' <= c && c <= 'Z'
		if ascii.IsDigit(b) != digit || ascii.IsLower(b) != lower || ascii.IsAlnum(b) != (digit || lower || upper) {
			t.Errorf("byte %#x: IsDigit %v, IsLower %v, IsAlnum %v", b, ascii.IsDigit(b), ascii.IsLower(b), ascii.IsAlnum(b))
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
		if got := ascii.All(tt.s, ascii.IsDigit); got != tt.want {
			t.Errorf("All(%q, IsDigit) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
