package periskope_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// compareDecodePaths decodes b with both implementations of every decoding
// (or only those named) and fails when the fast path succeeds with a result
// the tolerant path does not give, or where it fails. It returns the names
// of the decodings whose fast path took b.
func compareDecodePaths(t testing.TB, b []byte, only ...string) (fastTook []string) {
	t.Helper()
	for _, p := range periskope.DecodePaths {
		if len(only) > 0 && !slices.Contains(only, p.Name) {
			continue
		}
		fast, ok := p.Fast(b)
		tolerant, err := p.Tolerant(b)
		if !ok {
			continue
		}
		fastTook = append(fastTook, p.Name)
		if err != nil {
			t.Fatalf("%s: fast path accepted what the tolerant path rejects (%v):\n%q", p.Name, err, b)
		}
		if !reflect.DeepEqual(fast, tolerant) {
			t.Fatalf("%s: the paths differ on\n%q\nfast:     %s\ntolerant: %s", p.Name, b, dump(fast), dump(tolerant))
		}
	}
	return fastTook
}

// dump shows a decoded value with its nested pointers followed.
func dump(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(out)
}

// compareScanner checks the fast path's scanner against json.Valid: it must
// accept exactly the valid JSON values, apart from nesting it leaves to the
// tolerant path.
func compareScanner(t testing.TB, b []byte) {
	t.Helper()
	valid, tooDeep := periskope.ScanValid(b)
	switch want := json.Valid(b); {
	case valid && !want:
		t.Fatalf("scanner accepts invalid JSON %q", b)
	case !valid && want && !tooDeep:
		t.Fatalf("scanner rejects valid JSON %q", b)
	}
}

// oddValues are what a loosely typed API may put in any member.
var oddValues = []string{
	`"\udfff"`, `"a\ud83d\ud83d"`, `"\\ud800"`, `null`, `0`, `1`, `-2.5e3`, `1e400`, `1737976074`, `1737976074500`, `""`, `" "`, `" 3 "`, `"2"`, `"urgent"`, `"soon"`,
	`true`, `false`, `"true"`, `"0"`, `{}`, `[]`, `{"a":[1,{"b":null}],"c":"d"}`, `[null,1,"x",{"body":"kept"}]`,
	`"2025-04-20"`, `"2024-05-13 11:19:34+00"`, `"next tuesday"`, `"caf\u00e9 \ud83d\ude00"`, `"line\nbreak \"quoted\" \/"`,
	`"ünïcödé ✓"`, `"\ud800"`,
}

// leafPaths lists every member path of v (decoded JSON), objects and
// arrays included, in a stable order. Array elements are named by index.
func leafPaths(v any, prefix []string) [][]string {
	var keys []string
	switch v := v.(type) {
	case map[string]any:
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	case []any:
		for i := range v {
			keys = append(keys, strconv.Itoa(i))
		}
	default:
		return nil
	}
	var paths [][]string
	for _, k := range keys {
		p := append(append([]string(nil), prefix...), k)
		paths = append(paths, p)
		paths = append(paths, leafPaths(child(v, k), p)...)
	}
	return paths
}

// pathShape is path with array indexes and chat member ids as "*".
func pathShape(path []string) string {
	shape := slices.Clone(path)
	for i, p := range shape {
		if _, err := strconv.Atoi(p); err == nil || i > 0 && shape[i-1] == "members" {
			shape[i] = "*"
		}
	}
	return strings.Join(shape, "/")
}

// replaced returns doc with the member or element at path set to the JSON
// value.
func replaced(t testing.TB, doc []byte, path []string, value string) []byte {
	t.Helper()
	var root any
	if err := decodeNumbers(doc, &root); err != nil {
		t.Fatal(err)
	}
	return withValue(t, root, path, value)
}

// withValue encodes root (decoded JSON) with the member or element at path
// set to the JSON value, and leaves root as it was.
func withValue(t testing.TB, root any, path []string, value string) []byte {
	t.Helper()
	var v any
	if err := decodeNumbers([]byte(value), &v); err != nil {
		t.Fatalf("%s: %v", value, err)
	}
	c := root
	for _, p := range path[:len(path)-1] {
		c = child(c, p)
	}
	last := path[len(path)-1]
	old := child(c, last)
	setChild(c, last, v)
	defer setChild(c, last, old)
	out, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// child is the member or element named k of c.
func child(c any, k string) any {
	if a, ok := c.([]any); ok {
		i, _ := strconv.Atoi(k)
		return a[i]
	}
	return c.(map[string]any)[k]
}

func setChild(c any, k string, v any) {
	if a, ok := c.([]any); ok {
		i, _ := strconv.Atoi(k)
		a[i] = v
		return
	}
	c.(map[string]any)[k] = v
}

// decodeNumbers is json.Unmarshal keeping numbers as their text (1e400
// included).
func decodeNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// TestFastPathMatchesTolerantOnMutations replaces every member of the seed
// payloads, one at a time, with each odd value, and requires the fast path
// to take the result and decode it as the tolerant path does.
func TestFastPathMatchesTolerantOnMutations(t *testing.T) {
	decodings := map[string][]string{
		"ticket-info.json":    {"decodeTicketInfo"}, // TicketInfo walks the same way: see the edge cases and the fuzz target
		"ticket-created.json": {"Event"},
		"ticket-list.json":    {"TicketList"},
	}
	for name, only := range decodings {
		doc := fixture(t, name)
		var root any
		if err := decodeNumbers(doc, &root); err != nil {
			t.Fatal(err)
		}
		cases := 0
		shapes := map[string]bool{}
		for _, path := range leafPaths(root, nil) {
			if name == "ticket-created.json" && len(path) > 1 {
				continue // data is ticket-info.json, mutated above; the envelope is what is new
			}
			if shape := pathShape(path); shapes[shape] {
				continue // the same member of another element or chat member
			} else {
				shapes[shape] = true
			}
			for _, value := range oddValues {
				b := withValue(t, root, path, value)
				if took := compareDecodePaths(t, b, only...); len(took) != len(only) {
					t.Fatalf("%s %v = %s: fast paths taken %v, want %v", name, path, value, took, only)
				}
				cases++
			}
		}
		t.Logf("%s: %d mutations", name, cases)
	}
}

// TestFastPathTakesTheFixtures checks that the fast path, not the fallback,
// decodes the seed payloads, and decodes them as the tolerant path does.
func TestFastPathTakesTheFixtures(t *testing.T) {
	info := fixture(t, "ticket-info.json")
	var data struct {
		Ticket json.RawMessage `json:"ticket"`
		Chat   struct {
			Members map[string]json.RawMessage `json:"members"`
		} `json:"chat"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(info, &data); err != nil {
		t.Fatal(err)
	}
	var member json.RawMessage
	for _, m := range data.Chat.Members {
		member = m
	}
	chat := replaced(t, info, []string{"chat", "members"}, `{}`)
	tests := []struct {
		body []byte
		want []string // decodings whose fast path must take it
	}{
		{fixture(t, "ticket-created.json"), []string{"Event"}},
		{info, []string{"decodeTicketInfo", "TicketInfo"}},
		{fixture(t, "ticket-list.json"), []string{"TicketList"}},
		{data.Ticket, []string{"decodeTicketInfo", "Ticket"}},
		{data.Message, []string{"Message"}},
		{member, []string{"ChatMember"}},
		{chat, []string{"decodeTicketInfo", "TicketInfo"}},
	}
	for _, tt := range tests {
		got := strings.Join(compareDecodePaths(t, tt.body), ",")
		for _, name := range tt.want {
			if !strings.Contains(","+got+",", ","+name+",") {
				t.Errorf("fast paths taken for %.60s...: %s; want %s among them", tt.body, got, name)
			}
		}
	}
}

// Shapes the fixtures cannot show through a map: repeated and
// case-variant member names, escaped names, whitespace, deep nesting and
// invalid JSON. Each is checked against the tolerant path and, where the
// semantics are easy to get wrong, against the expected result.
func TestFastPathEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(*periskope.TicketInfo) bool // of decodeTicketInfo; nil: only compare
	}{
		{"repeated ticket: the last one whole, not merged", `{"ticket":{"ticket_id":"a","org_id":"o"},"ticket":{"subject":"b"}}`,
			func(ti *periskope.TicketInfo) bool {
				return ti.Ticket.TicketID == "" && ti.Ticket.OrgID == "" && ti.Ticket.Subject == "b"
			}},
		{"repeated ticket, then null", `{"ticket":{"ticket_id":"a"},"ticket":null,"ticket_id":"x"}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket != nil && ti.Ticket.TicketID == "x" }},
		{"repeated ticket, then a string", `{"ticket":{"ticket_id":"a"},"ticket":"x","ticket_id":"y"}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil }},
		{"repeated leaf: the last one", `{"ticket":{"subject":"a","subject":null,"priority":3,"priority":"x"}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket.Subject == "" && ti.Ticket.Priority == 0 }},
		{"repeated member: the last one decides", `{"chat":{"members":{"a":{"contact_id":"1"},"b":{},"a":null}}}`,
			func(ti *periskope.TicketInfo) bool {
				_, a := ti.Chat.Members["a"]
				return !a && len(ti.Chat.Members) == 1
			}},
		{"repeated members", `{"chat":{"members":{"a":{}},"members":null}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Chat.Members == nil }},
		{"repeated custom property", `{"ticket":{"ticket_custom_properties":{"a":"1","a":2}}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketCustomProperties["a"] == "2" }},
		{"repeated attached messages", `{"attached_messages":[{"body":"a"}],"attached_messages":{}}`,
			func(ti *periskope.TicketInfo) bool { return ti.AttachedMessages == nil }},
		{"names match exactly, not case-insensitively", `{"Ticket":{"ticket_id":"a"},"ticket":{"Ticket_ID":"b","SUBJECT":"c","ticket_\u212Ad":"d"}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "" && ti.Ticket.Subject == "" }},
		{"escaped names", `{"tick\u0065t":{"ticket\u005fid":"a","subj\u0065ct":"s\u00e9"}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "a" && ti.Ticket.Subject == "sé" }},
		{"escaped member ids", `{"chat":{"members":{"a\u0040c.us":{"contact_id":"\u0031"}}}}`,
			func(ti *periskope.TicketInfo) bool { return ti.Chat.Members["a@c.us"].ContactID == "1" }},
		{"bare ticket", `{"ticket_id":"BKT-1","priority":"4","chat":{"chat_id":"c"}}`,
			func(ti *periskope.TicketInfo) bool {
				return ti.Ticket.TicketID == "BKT-1" && ti.Ticket.Priority == 4 && ti.Chat == nil
			}},
		{"null ticket_id is no bare ticket", `{"ticket_id":null,"subject":"s"}`,
			func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil }},
		{"empty object", `{}`, func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil && ti.AttachedMessages == nil }},
		{"empty attached messages", `{"attached_messages":[]}`,
			func(ti *periskope.TicketInfo) bool {
				return ti.AttachedMessages != nil && len(ti.AttachedMessages) == 0
			}},
		{"JSON and Unicode whitespace around", "\u00a0\t\n {\"ticket\" :\r{ \"ticket_id\" : \"a\" } }\n\u2028", nil},
		{"invalid UTF-8 in strings and names", "{\"ticket\":{\"subject\":\"a\xffb\",\"\xfe\":1,\"ticket_id\":\"\xc3\"}}", nil},
		{"control character escaped", `{"message":{"body":"a\u0000b\tc"}}`, nil},
		{"numbers of every form", `{"ticket":{"subject":-0.5e+10,"priority":2E0,"is_deleted":-0,"created_at":1.5}}`, nil},
		{"nesting the fast path leaves", `{"ticket":{"x":` + strings.Repeat("[", periskope.MaxScanDepth+5) + strings.Repeat("]", periskope.MaxScanDepth+5) + `},"chat":{}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.body)
			compareScanner(t, bytes.TrimSpace(b))
			compareDecodePaths(t, b)
			if tt.check == nil {
				return
			}
			fast, ok := periskope.DecodePaths[0].Fast(b)
			if !ok {
				t.Fatal("the fast path did not take it")
			}
			if ti := fast.(*periskope.TicketInfo); !tt.check(ti) {
				t.Errorf("decoded wrongly: %s", dump(ti))
			}
		})
	}
}

// TestFastPathLeavesInvalidJSON: the fast path takes no invalid input, so
// the tolerant path reports the error.
func TestFastPathLeavesInvalidJSON(t *testing.T) {
	for _, body := range []string{
		``, `   `, `null`, `[]`, `"x"`, `{`, `{"ticket":}`, `{"ticket":{},}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":01}`,
		`{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":.5}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":truex}`, `{"a":"\x01"}`,
		`{"a":"\q"}`, `{"a":"\u12G4"}`, `{"a":"\u12"}`, `{"a":"unterminated}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{} {}`, `{}x`,
		`{"ticket":{"ticket_id":"a"}`, `{"chat":{"members":{"a":{"contact_id":1,}}}}`, `{"attached_messages":[{"body":}]}`,
		`{"ticket":{"ticket_custom_properties":{"a":[}}}`, `{"a":"x"` + "\x00" + `}`,
	} {
		b := []byte(body)
		compareScanner(t, b)
		for _, p := range periskope.DecodePaths {
			if body == `[]` && p.Name == "bare ticket array" {
				continue // valid: an empty page
			}
			if _, ok := p.Fast(b); ok {
				t.Errorf("%s: fast path took %q", p.Name, body)
			}
		}
	}
}

// FuzzTicketInfoFastPathMatchesTolerant: on any input, every fast path
// either leaves it to the tolerant path or decodes it exactly as that path
// does, and the scanner accepts exactly the valid JSON.
func FuzzTicketInfoFastPathMatchesTolerant(f *testing.F) {
	info := fixture(f, "ticket-info.json")
	for _, b := range seedBodies(f) {
		f.Add(b)
	}
	for _, path := range [][]string{{"ticket", "priority"}, {"ticket", "ticket_id"}, {"chat", "members"}, {"attached_messages"}, {"message"}} {
		for _, value := range []string{`null`, `"3"`, `7`, `{"x":[1,{}]}`, `[{"body":"b"},null]`} {
			f.Add(replaced(f, info, path, value))
		}
	}
	for _, s := range []string{
		`{"ticket":{"ticket_id":"a"},"ticket":{"subject":"b"}}`,
		`{"ticket":{"Ticket_ID":"b","ticket_\u212Ad":"d"},"chat":{"members":{"a":{},"a":1}}}`,
		`{"tick\u0065t":{"ticket\u005fid":"a"}}`,
		`{"ticket_id":"x","ticket":null}`,
		"\u00a0{\"message\":{\"body\":\"a\xffb\"}}",
		`{"tickets":[{"ticket_id":"1"},2],"count":"2","from":1.0,"to":true}`,
		`[{"ticket_id":"1"},null]`,
		`{"event":" ticket.created ","data":{"ticket_id":"1"},"previous_attributes":null,"event_type":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareScanner(t, b)
		compareDecodePaths(t, b)
	})
}

// Material for generated documents: every member name the decoders know
// (and "x"), and scalar values of every kind and form.
var (
	genNames = []string{"ticket", "chat", "message", "attached_messages", "ticket_id", "org_id", "chat_id", "subject", "status",
		"priority", "assignee", "assigned_by", "raised_by", "due_date", "created_at", "closed_at", "closed_by", "ticket_labels",
		"quoted_message_id", "ticket_custom_properties", "is_deleted", "last_updated_at", "chat_name", "chat_type", "chat_image",
		"org_phone", "chat_labels", "custom_properties", "members", "invite_link", "group_description", "is_muted", "contact_id",
		"contact_name", "contact_labels", "contact_color", "contact_image", "is_admin", "is_super_admin", "is_internal",
		"message_id", "body", "sender_name", "sender_phone", "timestamp", "media_path", "performed_by", "tickets", "count",
		"from", "to", "event", "event_type", "data", "previous_attributes", "x"}
	genScalars = append(slices.Clone(oddValues[:len(oddValues)-7]),
		`"2024-05-13T17:27:15+00:00"`, `"\u0000"`, "\"\xff\"", `3.0`, `-0.5E-3`, `"4"`)
)

// genName is a member name, now and then case-shifted, escaped, with a
// non-ASCII letter that folds to an ASCII one, or unknown.
func genName(r *rand.Rand) string {
	k := genNames[r.Intn(len(genNames))]
	if r.Intn(2) == 0 { // the names that decide structure, more often
		k = genNames[r.Intn(4)]
		if r.Intn(3) == 0 {
			k = []string{"ticket_id", "members", "custom_properties", "ticket_custom_properties", "tickets"}[r.Intn(5)]
		}
	}
	switch r.Intn(12) {
	case 0:
		k = strings.ToUpper(k[:1]) + k[1:]
	case 1:
		k = strings.Replace(k, "_", `\u005f`, 1)
	case 2:
		k = strings.Replace(k, "k", "\u212a", 1) // KELVIN SIGN
	case 3:
		k += "@c.us"
	}
	return k
}

func genSpace(r *rand.Rand) string { return []string{"", "", "", " ", "\n  ", "\t"}[r.Intn(6)] }

// genValue is a random JSON value built from genNames and genScalars, so
// that members repeat and land where the decoders look for them.
func genValue(r *rand.Rand, depth int) string {
	if depth > 4 || r.Intn(3) == 0 {
		if r.Intn(5) == 0 {
			return "null"
		}
		return genScalars[r.Intn(len(genScalars))]
	}
	open, end, n := "{", "}", r.Intn(8-depth)
	if r.Intn(4) == 0 {
		open, end, n = "[", "]", r.Intn(4)
	}
	var b strings.Builder
	b.WriteString(open)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(genSpace(r))
		if open == "{" {
			b.WriteString(`"` + genName(r) + `"` + genSpace(r) + ":" + genSpace(r))
		}
		b.WriteString(genValue(r, depth+1) + genSpace(r))
	}
	b.WriteString(end)
	return b.String()
}

// TestFastPathMatchesTolerantOnGeneratedDocuments compares the paths on
// random documents made of the names the decoders know, nested, repeated
// and disguised, with now and then a byte cut out to make them invalid.
// The seed is fixed, so a failure reproduces.
func TestFastPathMatchesTolerantOnGeneratedDocuments(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	docs, took := 0, 0
	for docs < 2500 {
		doc := genValue(r, 0)
		if r.Intn(20) == 0 && len(doc) > 2 {
			i := r.Intn(len(doc))
			doc = doc[:i] + doc[i+1:]
		}
		compareScanner(t, []byte(doc))
		took += len(compareDecodePaths(t, []byte(doc)))
		docs++
	}
	if took < docs {
		t.Errorf("the fast paths took only %d decodings of %d documents", took, docs)
	}
	t.Logf("%d documents, %d fast decodings compared", docs, took)
}
