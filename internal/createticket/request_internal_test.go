package createticket

import (
	"strings"
	"testing"
)

func TestEmailAndChatIDChecks(t *testing.T) {
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
	chats := map[string]bool{
		"919876543210@c.us":                       true,
		"120363392071406466@g.us":                 true,
		"919876543210-1612345678@g.us":            true,
		"019876543210@c.us":                       false,
		"91987@c.us":                              false,
		"9198765432101234@c.us":                   false,
		"1234@g.us":                               false,
		"919876543210-@g.us":                      false,
		"919876543210-123456789012345678901@g.us": false,
		"919876543210@s.whatsapp.net":             false,
	}
	for in, want := range chats {
		if got := isPersonChatID(in) || isGroupChatID(in); got != want {
			t.Errorf("chat id %q valid = %v, want %v", in, got, want)
		}
	}
}
