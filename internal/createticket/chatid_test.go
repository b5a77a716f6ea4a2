package createticket_test

import (
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
)

// A person's chat id is a phone number as Periskope writes one.
func TestPhoneNumbersInChatIDs(t *testing.T) {
	for in, want := range map[string]bool{
		"919876543210":     true,
		"1234567":          true,
		"123456789012345":  true,
		"123456":           false,
		"1234567890123456": false,
		"019876543210":     false,
		"+919876543210":    false,
		"91 9876543210":    false,
		"":                 false,
		"phone-abc123":     false, // an x-phone id, never a chat's number
	} {
		if got := createticket.IsChatID(in + "@c.us"); got != want {
			t.Errorf("IsChatID(%q) = %v, want %v", in+"@c.us", got, want)
		}
	}
}

func TestIsChatID(t *testing.T) {
	for in, want := range map[string]bool{
		"919876543210@c.us":                       true,
		"120363392071406466@g.us":                 true,
		"919876543210-1612345678@g.us":            true,
		"12345@g.us":                              true,
		"919876543210":                            false,
		"019876543210@c.us":                       false,
		"91987@c.us":                              false,
		"9198765432101234@c.us":                   false,
		"1234@g.us":                               false,
		"919876543210-@g.us":                      false,
		"919876543210-123456789012345678901@g.us": false,
		"019876543210-1612345678@g.us":            false,
		"919876543210@s.whatsapp.net":             false,
		"@c.us":                                   false,
		"phone-abc@c.us":                          false,
		"phone-abc-123@g.us":                      false,
	} {
		if got := createticket.IsChatID(in); got != want {
			t.Errorf("IsChatID(%q) = %v, want %v", in, got, want)
		}
	}
}
