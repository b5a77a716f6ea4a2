package createticket_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
)

// FuzzParseRequest checks that ParseRequest never panics, that whatever it
// accepts obeys the documented rules, and that normalising is a fixed point:
// the normalised request, sent again, parses to itself (the idempotency
// fingerprint relies on it).
func FuzzParseRequest(f *testing.F) {
	base, _ := json.Marshal(baseline())
	for _, seed := range []string{
		string(base), minimalBody, `{}`, `[]`, `null`, `{"chat_id":1}`,
		`{"chat_id":"919876543210","subject":"x","labels":["a","b"],"priority":"high"}`,
		`{"chat_id":"120363392071406466@g.us","subject":"x","due_date":"2025-04-20T10:00:00Z","status":"Closed"}`,
		`{"chat_id":"919876543210@c.us","subject":"x","subject":"y"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, apiErr := createticket.ParseRequest(body)
		if apiErr != nil {
			if apiErr.Status != 400 || apiErr.Code == "" || apiErr.Message == "" {
				t.Fatalf("malformed error %+v", apiErr)
			}
			return
		}
		switch {
		case !strings.HasSuffix(req.ChatID, "@c.us") && !strings.HasSuffix(req.ChatID, "@g.us"):
			t.Fatalf("chat_id %q", req.ChatID)
		case req.Subject == "" || req.Subject != strings.TrimSpace(req.Subject) || utf8.RuneCountInString(req.Subject) > createticket.MaxSubjectLength:
			t.Fatalf("subject %q", req.Subject)
		case req.Priority != 0 && !req.Priority.Valid():
			t.Fatalf("priority %d", req.Priority)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, apiErr := createticket.ParseRequest(again)
		if apiErr != nil || req2 != req {
			t.Fatalf("normalised request %s does not parse to itself: %+v %+v", again, req2, apiErr)
		}
	})
}
