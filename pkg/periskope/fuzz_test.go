package periskope_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// seedBodies are the sample payloads, and a few shapes around them, that
// start both fuzz corpora.
func seedBodies(f *testing.F) [][]byte {
	info := fixture(f, "ticket-info.json")
	return [][]byte{
		fixture(f, "ticket-created.json"),
		info,
		fixture(f, "ticket-list.json"),
		createExample(f),
		[]byte(`{"event_type":"ticket.updated","data":{"ticket_id":"BKT-1","priority":"3"},"previous_attributes":{"status":"open"}}`),
		[]byte(`{"event":"ticket.created","data":` + string(mustQuote(f, info)) + `}`),
		[]byte(`{"event":"message.created","data":{"body":"hi"}}`),
		[]byte(`{"event":"ticket.created","data":null}`),
		[]byte(`{}`),
		[]byte(``),
	}
}

func mustQuote(f *testing.F, b []byte) []byte {
	q, err := json.Marshal(string(b))
	if err != nil {
		f.Fatal(err)
	}
	return q
}

// FuzzParseEvent: ParseEvent and TicketInfo never panic; a parsed event
// keeps the body, has a name, and its ticket info (if any) keeps its data;
// valid JSON objects with a string event name always parse.
func FuzzParseEvent(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := periskope.ParseEvent(body)
		if err != nil {
			if !errors.Is(err, periskope.ErrMalformedEvent) {
				t.Fatalf("error %v is not ErrMalformedEvent", err)
			}
			var members map[string]json.RawMessage
			var name string
			if json.Unmarshal(body, &members) == nil && json.Unmarshal(members["event"], &name) == nil && strings.TrimSpace(name) != "" {
				t.Fatalf("valid event %q rejected: %v", name, err)
			}
			return
		}
		if e.Type == "" || !bytes.Equal(e.Raw, body) {
			t.Fatalf("event %+v: empty name or Raw differs", e)
		}
		ti, err := e.TicketInfo()
		switch {
		case err == nil:
			if ti == nil || len(ti.Raw) == 0 || !json.Valid(ti.Raw) {
				t.Fatalf("TicketInfo = %+v without valid Raw", ti)
			}
		case !errors.Is(err, periskope.ErrMalformedEvent) && !errors.Is(err, periskope.ErrNotTicketEvent):
			t.Fatalf("TicketInfo error %v is neither ErrMalformedEvent nor ErrNotTicketEvent", err)
		}
	})
}

// FuzzVerify: Verify never panics, accepts what Sign produced for the same
// body and key, and accepts nothing that is not that MAC (in either hex
// case, give or take surrounding space).
func FuzzVerify(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b, periskope.Sign(b, signingKey), signingKey)
		f.Add(b, strings.ToUpper(periskope.Sign(b, "other")), signingKey)
	}
	f.Add([]byte("x"), "zz", "")
	f.Add([]byte{}, strings.Repeat("0", 64), "k")
	f.Fuzz(func(t *testing.T, body []byte, signature, key string) {
		err := periskope.Verify(body, signature, key)
		want := periskope.Sign(body, key)
		switch {
		case key == "":
			if !errors.Is(err, periskope.ErrNoSigningKeys) {
				t.Fatalf("empty key: %v", err)
			}
		case err == nil:
			if !strings.EqualFold(strings.TrimSpace(signature), want) {
				t.Fatalf("accepted %q for MAC %s", signature, want)
			}
		case !errors.Is(err, periskope.ErrInvalidSignature) && !errors.Is(err, periskope.ErrMissingSignature):
			t.Fatalf("unexpected error %v", err)
		}
		if key == "" {
			return
		}
		if err := periskope.Verify(body, want, key); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		headers := map[string]string{"X-Periskope-Signature": signature}
		if got := periskope.VerifyHeaders(body, headers, key); (got == nil) != (err == nil) && !strings.Contains(signature, ",") {
			t.Fatalf("VerifyHeaders = %v, Verify = %v", got, err)
		}
	})
}
