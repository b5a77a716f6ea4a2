package periskope

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"strings"
	"time"
)

// Time is a timestamp in any form Periskope sends; Raw keeps its text.
type Time struct {
	time.Time
	Raw string
}

// timeLayouts are tried in order, once a space between date and time is
// read as "T" (Postgres writes "2024-05-13 11:19:34+00"). When parsing, Go
// accepts a fractional second after the seconds field even where a layout
// does not show one, so "2025-01-26T13:46:21.670006+00:00" matches the
// first layout.
var timeLayouts = []string{
	time.RFC3339,               // 2024-05-13T17:27:15+00:00, ...Z
	"2006-01-02T15:04:05Z0700", // +0000
	"2006-01-02T15:04:05Z07",   // +00
	"2006-01-02T15:04:05",      // no zone: UTC
	time.DateOnly,              // 2025-04-20: midnight UTC
}

// parseTime parses a Periskope timestamp in any of the forms Time accepts.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// UnmarshalJSON accepts a timestamp string, epoch (milli)seconds or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	ok := false
	if jsontext.Value(b).IsValid(jsontext.AllowInvalidUTF8(true)) {
		*t, ok = timeOf(bytes.TrimSpace(b))
	}
	if !ok {
		*t = Time{}
		return fmt.Errorf("periskope: unrecognised timestamp %s", b)
	}
	return nil
}

// MarshalJSON writes Raw if set, else RFC 3339, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	switch {
	case t.Raw != "":
		return json.Marshal(t.Raw)
	case t.IsZero():
		return []byte("null"), nil
	default:
		return json.Marshal(t.Format(time.RFC3339Nano))
	}
}

// epochTime reads seconds since the epoch, or milliseconds when n is too
// large to be seconds.
func epochTime(n float64) time.Time {
	if n > 1e12 || n < -1e12 {
		return time.UnixMilli(int64(n)).UTC()
	}
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC()
}
