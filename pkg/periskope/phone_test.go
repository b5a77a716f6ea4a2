package periskope_test

import (
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// An x-phone number is the country code and number as Periskope writes
// one.
func TestValidatePhoneNumbers(t *testing.T) {
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
	} {
		if got := periskope.ValidatePhone(in) == nil; got != want {
			t.Errorf("ValidatePhone(%q) accepts: %v, want %v", in, got, want)
		}
	}
}
