package periskope

import (
	"fmt"
	"strings"
)

// The checks below are hand-written: the equivalent regular expressions
// cost a millisecond of cold start to compile in a function that imports
// this package.

// ValidatePhone checks an x-phone value: 919876543210 or phone-[a-z0-9]+.
func ValidatePhone(phone string) error {
	if id, ok := strings.CutPrefix(phone, "phone-"); ok {
		if id != "" && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
			return nil
		}
		return fmt.Errorf("periskope: phone id %q: want phone- followed by lowercase letters and digits", phone)
	}
	if isPhoneNumber(phone) {
		return nil
	}
	return fmt.Errorf("periskope: phone %q: want country code and number as digits only (e.g. 919876543210) or a phone-… id", phone)
}

// isPhoneNumber reports whether s is a phone number as Periskope writes
// one: the country code and number as 7 to 15 digits, without "+" or a
// leading zero (919876543210).
func isPhoneNumber(s string) bool {
	return len(s) >= 7 && len(s) <= 15 && s[0] != '0' && isDigits(s)
}

// NormalizeChatID trims id and appends "@c.us" to bare digits (as the SDK).
func NormalizeChatID(id string) string {
	id = strings.TrimSpace(id)
	if isDigits(id) {
		return id + "@c.us"
	}
	return id
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
