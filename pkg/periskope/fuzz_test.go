package periskope_test

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

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
		[]byte(`{"event":"ticket.created","org_id":"\ud800","data":{"ticket":{"ticket_id":"\udfff"}}}`),
		[]byte(`{"event":5,"org_id":"o","data":{"ticket":{"ticket_id":100}}}`),
		[]byte(`{"event":"ticket.\ufffd","org_id":"\\ud800\ud83d\ude00"}`),
		[]byte(`{"event":"ticket.created","event":"ticket.deleted","data":{}}`),
		[]byte(`{"event":"ticket.created","org_id":"o","data":"{\"ticket\":{\"ticket_id\":\"\ud800\"}}"}`),
		[]byte(`{"event":"ticket.created","org_id":"o","data":"{\"ticket\":{\"ticket_id\":\"T\",\"subject\":\"\\\udfff\ud83d\"}}"}`),
		[]byte(`{"event":"ticket.created","org_id":"o","data":{"ticket":{"ticket_id":"T","subject":"<\ud83d"},"chat":{"members":{}}}}`),
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
		var members map[string]json.RawMessage
		// An object as the decoder reads JSON: repeated names refused
		// (encoding/json v1 would take the last one), invalid UTF-8 let
		// through.
		isObject := jsontext.Value(bytes.TrimSpace(body)).IsValid(jsontext.AllowInvalidUTF8(true)) &&
			json.Unmarshal(body, &members) == nil && members != nil
		if err != nil {
			if !errors.Is(err, periskope.ErrMalformedEvent) {
				t.Fatalf("error %v is not ErrMalformedEvent", err)
			}
			if fe := (*periskope.FieldError)(nil); errors.As(err, &fe) {
				if !errors.Is(err, periskope.ErrInvalidID) {
					t.Fatalf("field error %v is not ErrInvalidID", err)
				}
				if v, ok := members[fe.Field]; isObject && (!ok || string(v) == "null" || exactJSONString(v)) {
					t.Fatalf("%s refused, but it is %s", fe.Field, v)
				}
				return
			}
			var name string
			if isObject && json.Unmarshal(members["event"], &name) == nil && strings.TrimSpace(name) != "" {
				t.Fatalf("valid event %q rejected: %v", name, err)
			}
			return
		}
		for _, id := range []string{"event", "event_type", "org_id"} {
			if v, ok := members[id]; isObject && ok && string(v) != "null" && !exactJSONString(v) {
				t.Fatalf("accepted %s %s, which cannot be kept as sent", id, v)
			}
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
			checkTicketIDsExact(t, ti.Raw)
		case !errors.Is(err, periskope.ErrMalformedEvent) && !errors.Is(err, periskope.ErrNotTicketEvent):
			t.Fatalf("TicketInfo error %v is neither ErrMalformedEvent nor ErrNotTicketEvent", err)
		}
		checkWrappedDataReadsAsObject(t, e, ti, err)
	})
}

// checkTicketIDsExact fails when an accepted ticket info (its Raw) holds a
// ticket_id or org_id that cannot be kept as sent, whether data came as an
// object or string-wrapped.
func checkTicketIDsExact(t *testing.T, raw []byte) {
	var info struct {
		Ticket   map[string]json.RawMessage `json:"ticket"`
		TicketID json.RawMessage            `json:"ticket_id"`
	}
	if json.Unmarshal(raw, &info) != nil {
		return
	}
	ticket := info.Ticket
	if ticket == nil && info.TicketID != nil {
		_ = json.Unmarshal(raw, &ticket) // a bare ticket
	}
	for _, id := range []string{"ticket_id", "org_id"} {
		if v, ok := ticket[id]; ok && string(v) != "null" && !exactJSONString(v) {
			t.Fatalf("accepted ticket %s %s, which cannot be kept as sent", id, v)
		}
	}
}

// checkWrappedDataReadsAsObject: data sent as an object (valid UTF-8) and
// the same data sent string-wrapped read alike: same error, same ticket,
// and Raw the object's text.
func checkWrappedDataReadsAsObject(t *testing.T, e *periskope.Event, ti *periskope.TicketInfo, err error) {
	data := bytes.TrimSpace(e.Data)
	if len(data) == 0 || data[0] != '{' || !utf8.Valid(data) || !strings.HasPrefix(e.Type, "ticket.") {
		return
	}
	wrapped := *e
	wrapped.Data = mustMarshal(t, string(data))
	wti, werr := wrapped.TicketInfo()
	if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
		t.Fatalf("data as object: %v; string-wrapped: %v", err, werr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(wti.Raw, ti.Raw) || (ti.Ticket == nil) != (wti.Ticket == nil) ||
		(ti.Ticket != nil && (ti.Ticket.TicketID != wti.Ticket.TicketID || ti.Ticket.Subject != wti.Ticket.Subject)) {
		t.Fatalf("data as object: %+v; string-wrapped: %+v", ti, wti)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exactJSONString is the fuzz target's own reading of an exact identifier:
// v is a JSON string, and encoding/json decodes it with no more U+FFFD than
// the sender wrote (literally or as \ufffd): it replaced nothing.
func exactJSONString(v json.RawMessage) bool {
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return false
	}
	sent := 0
	for i := 1; i < len(v)-1; {
		if v[i] == '\\' {
			if v[i+1] == 'u' {
				if strings.EqualFold(string(v[i+2:i+6]), "fffd") {
					sent++
				}
				i += 6
			} else {
				i += 2
			}
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && size == 3 {
			sent++
		}
		i += size
	}
	return strings.Count(s, "\ufffd") == sent
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
