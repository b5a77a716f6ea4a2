package createticket

import (
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// isChatID reports whether id names a chat: "<phone>@c.us" for a person,
// "<5 to 32 digits>@g.us" or the older "<creator's phone>-<1 to 20
// digits>@g.us" for a group. Hand-written: the regular expressions cost a
// millisecond of cold start to compile.
func isChatID(id string) bool {
	if phone, ok := strings.CutSuffix(id, "@c.us"); ok {
		return isPhoneNumber(phone)
	}
	group, ok := strings.CutSuffix(id, "@g.us")
	if !ok {
		return false
	}
	if creator, suffix, found := strings.Cut(group, "-"); found {
		return isPhoneNumber(creator) && len(suffix) <= 20 && text.IsDigits(suffix)
	}
	return len(group) >= 5 && len(group) <= 32 && text.IsDigits(group)
}

// isPhoneNumber is periskope.ValidatePhone less its phone-… ids.
func isPhoneNumber(s string) bool {
	return !strings.HasPrefix(s, "phone-") && periskope.ValidatePhone(s) == nil
}
