package periskope

import (
	"fmt"
	"strings"
)

// ValidatePhone checks an x-phone value: the number with country code as
// 7 to 15 digits and nothing else (919876543210), or a phone id, "phone-"
// followed by lowercase letters and digits.
func ValidatePhone(phone string) error {
	if id, ok := strings.CutPrefix(phone, "phone-"); ok {
		if id != "" && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
			return nil
		}
		return fmt.Errorf("periskope: phone id %q: want phone- followed by lowercase letters and digits", phone)
	}
	if len(phone) >= 7 && len(phone) <= 15 && phone[0] != '0' && isDigits(phone) {
		return nil
	}
	return fmt.Errorf("periskope: phone %q: want country code and number as digits only (e.g. 919876543210) or a phone-… id", phone)
}

// NormalizeChatID returns a chat id as Periskope expects it: bare digits (a
// person's number) get "@c.us" appended, as the official SDK does; anything
// else is returned trimmed.
func NormalizeChatID(id string) string {
	id = strings.TrimSpace(id)
	if isDigits(id) {
		return id + "@c.us"
	}
	return id
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
