//go:build unix

package periskope_test

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// decodeWith is a decoding as the package runs it: its fast path, or the
// tolerant path where the fast path leaves the input.
func decodeWith(p periskope.DecodePath, b []byte) (v any, took bool, err error) {
	if v, ok := p.Fast(b); ok {
		return v, true, nil
	}
	v, err = p.Tolerant(b)
	return v, false, err
}

// caseVariantName reports whether b (valid JSON) has a member name that is
// not one the decoders know but matches one case-insensitively. The typed
// prototype decodes those as the known name (encoding/json folds case),
// the current decoder ignores them: the one known difference.
func caseVariantName(b []byte) bool {
	d := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(b)))
	d.UseNumber()       // 1e400 must not end the walk
	var inObject []bool // per open container: is it an object
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				inObject = append(inObject, tok == '{')
				expectKey = tok == '{'
				continue
			default:
				inObject = inObject[:len(inObject)-1]
			}
		case string:
			if expectKey {
				if !slices.Contains(genNames, tok) && slices.ContainsFunc(genNames, func(n string) bool { return strings.EqualFold(n, tok) }) {
					return true
				}
				expectKey = false
				continue
			}
		}
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

// compareTypedWithCurrent decodes b with the current decoder and with the
// typed prototype, each with its tolerant fallback, and fails unless both
// give deep-equal results and the same success. It reports how many
// decodings the prototype took without the fallback, and whether b was
// left out as a case-variant name.
func compareTypedWithCurrent(t testing.TB, b []byte) (typedTook int, skipped bool) {
	t.Helper()
	if caseVariantName(b) {
		return 0, true
	}
	for i, cur := range periskope.DecodePaths {
		typed := periskope.TypedDecodePaths[i]
		want, _, wantErr := decodeWith(cur, b)
		got, took, gotErr := decodeWith(typed, b)
		if took {
			typedTook++
		}
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%s: current error %v, typed error %v, on\n%q", cur.Name, wantErr, gotErr, b)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: typed differs from current on\n%q\ncurrent: %s\ntyped:   %s", cur.Name, b, dump(want), dump(got))
		}
	}
	return typedTook, false
}

// typedCorpus is every input the fast path's own tests use: the seed
// payloads, each member of them (one per shape) replaced with each odd value, edge cases,
// invalid JSON, and the generated documents of
// TestFastPathMatchesTolerantOnGeneratedDocuments (same seed).
func typedCorpus(t testing.TB) [][]byte {
	var corpus [][]byte
	for _, name := range []string{"ticket-created.json", "ticket-info.json", "ticket-list.json"} {
		doc := fixture(t, name)
		corpus = append(corpus, doc)
		var root any
		if err := decodeNumbers(doc, &root); err != nil {
			t.Fatal(err)
		}
		shapes := map[string]bool{}
		for _, path := range leafPaths(root, nil) {
			if shape := pathShape(path); shapes[shape] {
				continue // the same member of another element or chat member
			} else {
				shapes[shape] = true
			}
			for _, value := range oddValues {
				corpus = append(corpus, withValue(t, root, path, value))
			}
		}
	}
	corpus = append(corpus, typedEdgeCases...)
	r := rand.New(rand.NewSource(1))
	for range 2500 {
		doc := genValue(r, 0)
		if r.Intn(20) == 0 && len(doc) > 2 {
			i := r.Intn(len(doc))
			doc = doc[:i] + doc[i+1:]
		}
		corpus = append(corpus, []byte(doc))
	}
	return corpus
}

// typedEdgeCases are the bodies of TestFastPathEdgeCases,
// TestFastPathLeavesInvalidJSON and the fuzz seeds that are not payloads.
var typedEdgeCases = func() [][]byte {
	deep := strings.Repeat("[", periskope.MaxScanDepth+5) + strings.Repeat("]", periskope.MaxScanDepth+5)
	var out [][]byte
	for _, s := range []string{
		`{"ticket":{"ticket_id":"a","org_id":"o"},"ticket":{"subject":"b"}}`,
		`{"ticket":{"ticket_id":"a"},"ticket":null,"ticket_id":"x"}`,
		`{"ticket":{"ticket_id":"a"},"ticket":"x","ticket_id":"y"}`,
		`{"ticket":{"subject":"a","subject":null,"priority":3,"priority":"x"}}`,
		`{"chat":{"members":{"a":{"contact_id":"1"},"b":{},"a":null}}}`,
		`{"chat":{"members":{"a":{}},"members":null}}`,
		`{"ticket":{"ticket_custom_properties":{"a":"1","a":2}}}`,
		`{"attached_messages":[{"body":"a"}],"attached_messages":{}}`,
		`{"Ticket":{"ticket_id":"a"},"ticket":{"Ticket_ID":"b","SUBJECT":"c","ticket_\u212Ad":"d"}}`,
		`{"tick\u0065t":{"ticket\u005fid":"a","subj\u0065ct":"s\u00e9"}}`,
		`{"chat":{"members":{"a\u0040c.us":{"contact_id":"\u0031"}}}}`,
		`{"ticket_id":"BKT-1","priority":"4","chat":{"chat_id":"c"}}`,
		`{"ticket_id":null,"subject":"s"}`,
		`{}`, `{"attached_messages":[]}`,
		"\u00a0\t\n {\"ticket\" :\r{ \"ticket_id\" : \"a\" } }\n\u2028",
		"{\"ticket\":{\"subject\":\"a\xffb\",\"\xfe\":1,\"ticket_id\":\"\xc3\"}}",
		`{"message":{"body":"a\u0000b\tc"}}`,
		`{"ticket":{"subject":-0.5e+10,"priority":2E0,"is_deleted":-0,"created_at":1.5}}`,
		`{"ticket":{"x":` + deep + `},"chat":{}}`,
		`{"tickets":[{"ticket_id":"1"},2],"count":"2","from":1.0,"to":true}`,
		`[{"ticket_id":"1"},null]`,
		`{"event":" ticket.created ","data":{"ticket_id":"1"},"previous_attributes":null,"event_type":"x"}`,
		`{"event_type":"ticket.updated","data":{"ticket_id":"BKT-1","priority":"3"},"previous_attributes":{"status":"open"}}`,
		``, `   `, `null`, `[]`, `"x"`, `{`, `{"ticket":}`, `{"ticket":{},}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":01}`,
		`{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":.5}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":truex}`, `{"a":"\x01"}`,
		`{"a":"\q"}`, `{"a":"\u12G4"}`, `{"a":"\u12"}`, `{"a":"unterminated}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{} {}`, `{}x`,
		`{"ticket":{"ticket_id":"a"}`, `{"chat":{"members":{"a":{"contact_id":1,}}}}`, `{"attached_messages":[{"body":}]}`,
		`{"ticket":{"ticket_custom_properties":{"a":[}}}`, `{"a":"x"` + "\x00" + `}`,
	} {
		out = append(out, []byte(s))
	}
	return out
}()

// TestTypedPrototypeMatchesCurrent runs the whole corpus through both
// decoders. The prototype must take (decode without the tolerant fallback)
// every valid payload, and the case-variant inputs left out must be few.
func TestTypedPrototypeMatchesCurrent(t *testing.T) {
	corpus := typedCorpus(t)
	took, skipped := 0, 0
	for _, b := range corpus {
		n, skip := compareTypedWithCurrent(t, b)
		took += n
		if skip {
			skipped++
		}
	}
	t.Logf("%d inputs, %d typed decodings without fallback, %d left out (case-variant names)", len(corpus), took, skipped)
	if skipped > len(corpus)/4 {
		t.Errorf("%d of %d inputs left out as case-variant", skipped, len(corpus))
	}
	for _, name := range []string{"ticket-created.json", "ticket-info.json", "ticket-list.json"} {
		if n, _ := compareTypedWithCurrent(t, fixture(t, name)); n == 0 {
			t.Errorf("the prototype left %s to the tolerant path", name)
		}
	}
}

// TestTypedPrototypeCaseFolding pins the known difference: encoding/json
// matches member names case-insensitively, the current decoder exactly.
func TestTypedPrototypeCaseFolding(t *testing.T) {
	b := []byte(`{"ticket":{"Ticket_ID":"b","SUBJECT":"c"}}`)
	if !caseVariantName(b) {
		t.Fatal("caseVariantName misses Ticket_ID")
	}
	ref, err := periskope.DecodePaths[0].Tolerant(b) // the reference the current fast path is proven against
	if err != nil {
		t.Fatal(err)
	}
	typed, ok := periskope.TypedDecodePaths[0].Fast(b)
	if !ok {
		t.Fatal("the prototype left the input to the tolerant path")
	}
	if r, ty := ref.(*periskope.TicketInfo).Ticket, typed.(*periskope.TicketInfo).Ticket; r.TicketID != "" || ty.TicketID != "b" || ty.Subject != "c" {
		t.Errorf("reference ticket_id %q, typed ticket_id %q subject %q; want \"\", \"b\", \"c\"", r.TicketID, ty.TicketID, ty.Subject)
	}
}

// FuzzTypedPrototypeMatchesCurrent: on any input the typed prototype
// decodes as the current decoder does (case-variant names aside).
func FuzzTypedPrototypeMatchesCurrent(f *testing.F) {
	info := fixture(f, "ticket-info.json")
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	for _, path := range [][]string{{"ticket", "priority"}, {"ticket", "ticket_id"}, {"chat", "members"}, {"attached_messages"}, {"message"}} {
		for _, value := range []string{`null`, `"3"`, `7`, `{"x":[1,{}]}`, `[{"body":"b"},null]`} {
			f.Add(replaced(f, info, path, value))
		}
	}
	for _, b := range typedEdgeCases {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareTypedWithCurrent(t, b)
	})
}
