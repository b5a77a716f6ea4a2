package periskope

import "time"

// Time is a timestamp as Periskope sends it. It decodes every form seen in
// Periskope payloads (RFC 3339 with or without fractions, "2006-01-02
// 15:04:05+00", bare dates); null and "" decode to the zero Time. Raw keeps
// the original text.
type Time struct {
	time.Time
	Raw string
}

// ParseTime parses a Periskope timestamp in any of the forms Time accepts.
func ParseTime(s string) (time.Time, error) {
	panic("TODO")
}
