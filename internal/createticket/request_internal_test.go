package createticket

import (
	"strings"
	"testing"
)

func TestEmailCheck(t *testing.T) {
	emails := map[string]bool{
		"agent@example.com":                      true,
		"first.last+tag@sub.ex.io":               true,
		"o'brien@example.co.uk":                  true,
		"agent@localhost":                        false,
		"agent@@example.com":                     false,
		".agent@example.com":                     false,
		"a..b@example.com":                       false,
		"agent@-example.com":                     false,
		"agent@example-.com":                     false,
		"agent@exa_mple.com":                     false,
		"agent@example..com":                     false,
		"\"quoted\"@example.com":                 false,
		"agent example@x.com":                    false,
		strings.Repeat("a", 65) + "@example.com": false,
	}
	for in, want := range emails {
		if got := isEmailAddress(in); got != want {
			t.Errorf("isEmailAddress(%q) = %v, want %v", in, got, want)
		}
	}
}
