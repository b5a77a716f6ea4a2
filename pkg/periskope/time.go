package periskope

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time is a timestamp in any form Periskope sends; Raw keeps its text.
type Time struct {
	time.Time
	Raw string
}

// timeLayouts are tried in order. When parsing, Go accepts a fractional
// second after the seconds field even where a layout does not show one, so
// "2025-01-26T13:46:21.670006+00:00" matches the first layout.
var timeLayouts = []string{
	time.RFC3339,                // 2024-05-13T17:27:15+00:00, ...Z
	"2006-01-02T15:04:05Z0700",  // +0000
	"2006-01-02T15:04:05Z07",    // +00
	"2006-01-02 15:04:05Z07:00", // Postgres text with a full offset
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05Z07", // 2024-05-13 11:19:34+00
	"2006-01-02T15:04:05",    // no zone: UTC
	"2006-01-02 15:04:05",
	time.DateOnly, // 2025-04-20: midnight UTC
}

// errTimeFormat reports a timestamp in none of the known forms.
var errTimeFormat = errors.New("periskope: unrecognised timestamp")

// parseTime parses a Periskope timestamp in any of the forms Time accepts.
// Forms without a zone are taken as UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q", errTimeFormat, s)
}

// UnmarshalJSON accepts a timestamp string, epoch seconds or milliseconds,
// null or "".
func (t *Time) UnmarshalJSON(b []byte) error {
	// Forms: RFC 3339 with or without fractions, "2006-01-02 15:04:05+00",
	// bare dates; a number above 1e12 is milliseconds.
	*t = Time{}
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '"' {
		n, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("%w: %s", errTimeFormat, b)
		}
		t.Raw = string(b)
		t.Time = epochTime(n)
		return nil
	}
	if !json.Valid(b) {
		return fmt.Errorf("%w: %s", errTimeFormat, b)
	}
	// Blank text is the zero Time keeping Raw; text in none of the known
	// forms is an error and leaves t zero.
	text, _ := stringText(b)
	if strings.TrimSpace(text) == "" {
		t.Raw = text
		return nil
	}
	parsed, err := parseTime(text)
	if err != nil {
		return err
	}
	t.Time, t.Raw = parsed, text
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
