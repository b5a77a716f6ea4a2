package periskope_test

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"math/rand"
	"reflect"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// hasDuplicateNames reports whether b, read as encoding/json/v2 reads it
// (invalid UTF-8 allowed), is refused only for a repeated member name.
func hasDuplicateNames(b []byte) bool {
	b = bytes.TrimSpace(b)
	v := jsontext.Value(b)
	return !v.IsValid(jsontext.AllowInvalidUTF8(true)) && v.IsValid(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
}

// compareOldNew decodes b with the old decoder (fast path, or the tolerant
// one) and the encoding/json/v2 one, every decoding, and fails unless both
// give the same result, or the new one refuses a repeated member name.
func compareOldNew(t testing.TB, b []byte) {
	t.Helper()
	dup := hasDuplicateNames(b)
	for _, p := range periskope.DecodePaths {
		got, gotErr := periskope.V2Decodings[p.Name](b)
		if dup {
			if gotErr == nil {
				t.Fatalf("%s: v2 accepted repeated member names in\n%q", p.Name, b)
			}
			continue
		}
		want, _, wantErr := decodeWith(p, b)
		if p.Name == "bare ticket array" && !json.Valid(bytes.TrimSpace(b)) {
			continue // the old tolerant reading of an array never failed
		}
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%s: old error %v, v2 error %v, on\n%q", p.Name, wantErr, gotErr, b)
		}
		if wantErr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: v2 differs from old on\n%q\nold: %s\nv2:  %s", p.Name, b, dump(want), dump(got))
		}
	}
	// ParseEvent and TicketInfo, data string-wrapped or not.
	compareEvents(t, b, dup)
	if e, err := periskope.ParseEvent(b); err == nil && len(e.Data) > 0 && e.Data[0] == '{' {
		q, _ := json.Marshal(string(e.Data))
		wrapped := bytes.Replace(b, e.Data, q, 1)
		compareEvents(t, wrapped, hasDuplicateNames(wrapped))
	}
}

func compareEvents(t testing.TB, b []byte, dup bool) {
	t.Helper()
	old, _, oldErr := decodeWith(periskope.DecodePaths[7], b)
	got, gotErr := periskope.EventV2(b)
	if dup || oldErr != nil || gotErr != nil {
		return // compared above
	}
	e := old.(*periskope.Event)
	want, wantErr := e.TicketInfo()
	v2, v2Err := got.TicketInfoV2()
	data := bytes.TrimSpace(e.Data)
	if len(data) > 0 && data[0] == '"' && json.Valid(data) && !exactJSONString(data) {
		var fe *periskope.FieldError
		if !errors.Is(v2Err, periskope.ErrInvalidID) || !errors.As(v2Err, &fe) || fe.Field != "" {
			t.Fatalf("v2 TicketInfo took inexact string data %q: %v", data, v2Err)
		}
		return
	}
	if hasDuplicateNames(unwrapped(data)) {
		if v2Err == nil {
			t.Fatalf("v2 TicketInfo accepted repeated member names in data %q", data)
		}
		return
	}
	if (wantErr == nil) != (v2Err == nil) || errors.Is(wantErr, periskope.ErrInvalidID) != errors.Is(v2Err, periskope.ErrInvalidID) {
		t.Fatalf("TicketInfo: old error %v, v2 error %v, on\n%q", wantErr, v2Err, b)
	}
	var fo, fn *periskope.FieldError
	if errors.As(wantErr, &fo) && errors.As(v2Err, &fn) && fo.Field != fn.Field {
		t.Fatalf("TicketInfo: old names %s, v2 %s, on\n%q", fo.Field, fn.Field, b)
	}
	if wantErr == nil && !reflect.DeepEqual(want, v2) {
		t.Fatalf("TicketInfo: v2 differs from old on\n%q\nold: %s\nv2:  %s", b, dump(want), dump(v2))
	}
}

// unwrapped is data, or the text of data when it is a JSON string.
func unwrapped(data []byte) []byte {
	var s string
	if len(data) > 0 && data[0] == '"' && json.Unmarshal(data, &s) == nil {
		return []byte(s)
	}
	return data
}

func TestV2MatchesOldOnCorpus(t *testing.T) {
	var corpus [][]byte
	for _, name := range []string{"ticket-created.json", "ticket-info.json", "ticket-list.json"} {
		doc := fixture(t, name)
		corpus = append(corpus, doc)
		var root any
		if err := decodeNumbers(doc, &root); err != nil {
			t.Fatal(err)
		}
		for _, path := range leafPaths(root, nil) {
			for _, value := range oddValues {
				corpus = append(corpus, withValue(t, root, path, value))
			}
		}
	}
	r := rand.New(rand.NewSource(1))
	for range 5000 {
		doc := genValue(r, 0)
		if r.Intn(20) == 0 && len(doc) > 2 {
			i := r.Intn(len(doc))
			doc = doc[:i] + doc[i+1:]
		}
		corpus = append(corpus, []byte(doc))
	}
	for _, b := range corpus {
		compareOldNew(t, b)
	}
	t.Logf("%d inputs", len(corpus))
}

func FuzzV2MatchesOld(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	for _, s := range []string{
		`{"event":"ticket.created","org_id":"o","data":"{\"ticket\":{\"ticket_id\":\"\ud800\"}}"}`,
		`{"event":"ticket.created","org_id":"o","data":"{\"ticket\":{\"ticket_id\":\"\\ud800\"}}"}`,
		`{"event":"ticket.created","org_id":"o","data":"{\"ticket_id\":\"a\",\"subject\":\"` + "\xff" + `\"}"}`,
		`{"ticket":{"Ticket_ID":"b","ticket_\u212Ad":"d"},"chat":{"members":{"a":{},"b":1}}}`,
		`{"tickets":[{"ticket_id":"1"},2],"count":"2","from":1.0,"to":true}`,
		`[{"ticket_id":"1"},null]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { compareOldNew(t, b) })
}

// decodeWith is a decoding as the old decoder runs it: its fast path, or
// the tolerant path where the fast path leaves the input.
func decodeWith(p periskope.DecodePath, b []byte) (v any, took bool, err error) {
	if v, ok := p.Fast(b); ok {
		return v, true, nil
	}
	v, err = p.Tolerant(b)
	return v, false, err
}
