package periskope_test

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// dump shows a decoded value with its nested pointers followed.
func dump(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(out)
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

// decodingNames are the names of periskope.Decodings in a stable order.
var decodingNames = []string{"decodeTicketInfo", "TicketInfo", "Ticket", "Chat", "ChatMember", "Message", "TicketList", "Event", "bare ticket array"}

// jsonOK reports whether b, trimmed as the decoders trim it, is one JSON
// value as encoding/json/v2 reads it: invalid UTF-8 allowed, repeated
// member names refused.
func jsonOK(b []byte) bool {
	return jsontext.Value(bytes.TrimSpace(b)).IsValid(jsontext.AllowInvalidUTF8(true))
}

// checkAcceptance decodes b with every decoding and fails unless each
// accepts exactly what it should: a JSON object (TicketInfo, Ticket, Chat,
// ChatMember, Message and TicketList also null, Event not), or for the
// bare ticket array any JSON value; never invalid JSON or an object with a
// repeated member name, at any depth.
func checkAcceptance(t testing.TB, b []byte) {
	t.Helper()
	trimmed := bytes.TrimSpace(b)
	valid := jsonOK(b)
	for _, name := range decodingNames {
		_, err := periskope.Decodings[name](b)
		want := valid && len(trimmed) > 0
		switch {
		case name == "bare ticket array":
		case name == "decodeTicketInfo" || name == "Event":
			want = want && trimmed[0] == '{'
		default:
			want = want && (trimmed[0] == '{' || string(trimmed) == "null")
		}
		if (err == nil) != want {
			t.Fatalf("%s: error %v on %q; want it accepted: %v", name, err, b, want)
		}
	}
}

// TestDecodingTakesEveryMutation replaces every member of the seed
// payloads, one at a time, with each odd value: the payload must still
// decode, and through an event only an identifier that is not an exact
// JSON string may refuse the ticket info, naming that member.
func TestDecodingTakesEveryMutation(t *testing.T) {
	decodings := map[string][]string{
		"ticket-info.json":    {"decodeTicketInfo", "TicketInfo"},
		"ticket-created.json": {"Event"},
		"ticket-list.json":    {"TicketList"},
	}
	envelope := fixture(t, "ticket-created.json")
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
				for _, d := range only {
					if _, err := periskope.Decodings[d](b); err != nil {
						t.Fatalf("%s %v = %s: %s refused it: %v", name, path, value, d, err)
					}
				}
				cases++
				if name != "ticket-info.json" {
					continue
				}
				e, err := periskope.ParseEvent(withMember(t, envelope, "data", string(b)))
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.TicketInfo()
				member := strings.Join(path, ".")
				idPath := member == "ticket.ticket_id" || member == "ticket.org_id"
				var sent any // withValue re-encodes a string as exact UTF-8
				_ = decodeNumbers([]byte(value), &sent)
				_, isString := sent.(string)
				var fe *periskope.FieldError
				switch {
				case err == nil && idPath && sent != nil && !isString:
					t.Fatalf("%s = %s: TicketInfo accepted an inexact id", member, value)
				case err != nil && (!idPath || !errors.As(err, &fe) || fe.Field != member):
					t.Fatalf("%s = %s: TicketInfo: %v", member, value, err)
				}
			}
		}
		t.Logf("%s: %d mutations", name, cases)
	}
}

// TestDecodingTakesTheFixtures: the seed payloads and their parts decode.
func TestDecodingTakesTheFixtures(t *testing.T) {
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
	tests := []struct {
		body []byte
		want []string
	}{
		{fixture(t, "ticket-created.json"), []string{"Event"}},
		{info, []string{"decodeTicketInfo", "TicketInfo"}},
		{fixture(t, "ticket-list.json"), []string{"TicketList"}},
		{data.Ticket, []string{"decodeTicketInfo", "Ticket"}},
		{data.Message, []string{"Message"}},
		{member, []string{"ChatMember"}},
		{replaced(t, info, []string{"chat", "members"}, `{}`), []string{"decodeTicketInfo", "TicketInfo"}},
	}
	for _, tt := range tests {
		for _, name := range tt.want {
			if v, err := periskope.Decodings[name](tt.body); err != nil {
				t.Errorf("%s of %.60s...: %v", name, tt.body, err)
			} else if name == "decodeTicketInfo" && v.(*periskope.TicketInfo).Ticket.TicketID != "TICKET-12345" {
				t.Errorf("%s of %.60s...: ticket %s", name, tt.body, dump(v))
			}
		}
	}
}

// Shapes the fixtures cannot show through a map: repeated and
// case-variant member names, escaped names, whitespace, deep nesting and
// invalid UTF-8, each with the result expected of decodeTicketInfo.
func TestDecodingEdgeCases(t *testing.T) {
	refused := func(ti *periskope.TicketInfo, err error) bool { return err != nil }
	ok := func(check func(*periskope.TicketInfo) bool) func(*periskope.TicketInfo, error) bool {
		return func(ti *periskope.TicketInfo, err error) bool { return err == nil && check(ti) }
	}
	accepted := ok(func(*periskope.TicketInfo) bool { return true })
	deep := strings.Repeat("[", 600) + strings.Repeat("]", 600)
	tests := []struct {
		name  string
		body  string
		check func(*periskope.TicketInfo, error) bool
	}{
		{"repeated ticket refused", `{"ticket":{"ticket_id":"a","org_id":"o"},"ticket":{"subject":"b"}}`, refused},
		{"repeated ticket, then null, refused", `{"ticket":{"ticket_id":"a"},"ticket":null,"ticket_id":"x"}`, refused},
		{"repeated ticket, then a string, refused", `{"ticket":{"ticket_id":"a"},"ticket":"x","ticket_id":"y"}`, refused},
		{"repeated leaf refused", `{"ticket":{"subject":"a","subject":null,"priority":3,"priority":"x"}}`, refused},
		{"repeated chat member refused", `{"chat":{"members":{"a":{"contact_id":"1"},"b":{},"a":null}}}`, refused},
		{"repeated members refused", `{"chat":{"members":{"a":{}},"members":null}}`, refused},
		{"repeated custom property refused", `{"ticket":{"ticket_custom_properties":{"a":"1","a":2}}}`, refused},
		{"repeated attached messages refused", `{"attached_messages":[{"body":"a"}],"attached_messages":{}}`, refused},
		{"repeated name in a member nobody reads refused", `{"ticket":{"ticket_id":"a"},"x":{"y":1,"y":2}}`, refused},
		{"repeated name, one escaped, refused", `{"ticket":{"ticket_id":"a","ticket\u005fid":"b"}}`, refused},
		{"names match exactly, not case-insensitively", `{"Ticket":{"ticket_id":"a"},"ticket":{"Ticket_ID":"b","SUBJECT":"c","ticket_\u212Ad":"d"}}`,
			ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "" && ti.Ticket.Subject == "" })},
		{"escaped names", `{"tick\u0065t":{"ticket\u005fid":"a","subj\u0065ct":"s\u00e9"}}`,
			ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "a" && ti.Ticket.Subject == "sé" })},
		{"escaped member ids", `{"chat":{"members":{"a\u0040c.us":{"contact_id":"\u0031"}}}}`,
			ok(func(ti *periskope.TicketInfo) bool { return ti.Chat.Members["a@c.us"].ContactID == "1" })},
		{"bare ticket", `{"ticket_id":"BKT-1","priority":"4","chat":{"chat_id":"c"}}`,
			ok(func(ti *periskope.TicketInfo) bool {
				return ti.Ticket.TicketID == "BKT-1" && ti.Ticket.Priority == 4 && ti.Chat == nil
			})},
		{"null ticket_id is no bare ticket", `{"ticket_id":null,"subject":"s"}`, ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil })},
		{"a ticket that is not an object", `{"ticket":"x","ticket_id":"y"}`, ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil })},
		{"empty object", `{}`, ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket == nil && ti.AttachedMessages == nil })},
		{"empty attached messages", `{"attached_messages":[]}`,
			ok(func(ti *periskope.TicketInfo) bool {
				return ti.AttachedMessages != nil && len(ti.AttachedMessages) == 0
			})},
		{"JSON and Unicode whitespace around", "\u00a0\t\n {\"ticket\" :\r{ \"ticket_id\" : \"a\" } }\n\u2028",
			ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket.TicketID == "a" })},
		{"invalid UTF-8 in strings and names", "{\"ticket\":{\"subject\":\"a\xffb\",\"\xfe\":1,\"ticket_id\":\"\xc3\"}}",
			ok(func(ti *periskope.TicketInfo) bool {
				return ti.Ticket.Subject == "a\uFFFDb" && ti.Ticket.TicketID == "\uFFFD"
			})},
		{"unpaired surrogate in a text member", `{"ticket":{"subject":"a\ud800b"}}`,
			ok(func(ti *periskope.TicketInfo) bool { return ti.Ticket.Subject == "a\uFFFDb" })},
		{"control character escaped", `{"message":{"body":"a\u0000b\tc"}}`,
			ok(func(ti *periskope.TicketInfo) bool { return ti.Message.Body == "a\x00b\tc" })},
		{"numbers of every form", `{"ticket":{"subject":-0.5e+10,"priority":2E0,"is_deleted":-0,"created_at":1.5}}`,
			ok(func(ti *periskope.TicketInfo) bool {
				return ti.Ticket.Subject == "-0.5e+10" && ti.Ticket.Priority == 2 && !ti.Ticket.IsDeleted && ti.Ticket.CreatedAt.Raw == "1.5"
			})},
		{"deep nesting in a member nobody reads", `{"ticket":{"x":` + deep + `},"chat":{}}`, accepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.body)
			checkAcceptance(t, b)
			v, err := periskope.Decodings["decodeTicketInfo"](b)
			ti, _ := v.(*periskope.TicketInfo)
			if !tt.check(ti, err) {
				t.Errorf("decoded wrongly: %s, %v", dump(ti), err)
			}
			// json.Unmarshal into a TicketInfo is the same decoding, bare
			// tickets included.
			if u, uerr := periskope.Decodings["TicketInfo"](b); (uerr == nil) != (err == nil) || err == nil && dump(u) != dump(v) {
				t.Errorf("TicketInfo.UnmarshalJSON: %s, %v; decodeTicketInfo: %s, %v", dump(u), uerr, dump(v), err)
			}
		})
	}
}

// TestDecodingRefusesInvalidJSON: no decoding takes invalid input.
func TestDecodingRefusesInvalidJSON(t *testing.T) {
	for _, body := range []string{
		``, `   `, `{`, `{"ticket":}`, `{"ticket":{},}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":01}`,
		`{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":.5}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"a":truex}`, `{"a":"\x01"}`,
		`{"a":"\q"}`, `{"a":"\u12G4"}`, `{"a":"\u12"}`, `{"a":"unterminated}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{} {}`, `{}x`,
		`{"ticket":{"ticket_id":"a"}`, `{"chat":{"members":{"a":{"contact_id":1,}}}}`, `{"attached_messages":[{"body":}]}`,
		`{"ticket":{"ticket_custom_properties":{"a":[}}}`, `{"a":"x"` + "\x00" + `}`, `[{"ticket_id":"1"},]`,
	} {
		for _, name := range decodingNames {
			if v, err := periskope.Decodings[name]([]byte(body)); err == nil {
				t.Errorf("%s took %q: %s", name, body, dump(v))
			}
		}
	}
	for _, body := range []string{`null`, `[]`, `"x"`, `3`} {
		checkAcceptance(t, []byte(body))
	}
}

// TestDecodingOnGeneratedDocuments runs random documents made of the names
// the decoders know, nested, repeated and disguised, with now and then a
// byte cut out to make them invalid, through every decoding. The seed is
// fixed, so a failure reproduces.
func TestDecodingOnGeneratedDocuments(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	accepted := 0
	for range 2500 {
		doc := genValue(r, 0)
		if r.Intn(20) == 0 && len(doc) > 2 {
			i := r.Intn(len(doc))
			doc = doc[:i] + doc[i+1:]
		}
		checkAcceptance(t, []byte(doc))
		if _, err := periskope.Decodings["decodeTicketInfo"]([]byte(doc)); err == nil {
			accepted++
		}
	}
	if accepted < 500 {
		t.Errorf("only %d of 2500 generated documents decoded as ticket info", accepted)
	}
	t.Logf("%d of 2500 generated documents decoded as ticket info", accepted)
}

// FuzzDecoding: on any input every decoding accepts exactly the JSON it
// should (see checkAcceptance), and never panics.
func FuzzDecoding(f *testing.F) {
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
		`{"ticket":{"Ticket_ID":"b","ticket_\u212Ad":"d"},"chat":{"members":{"a":{},"b":1}}}`,
		`{"tick\u0065t":{"ticket\u005fid":"a"}}`,
		`{"ticket_id":"x","ticket":null}`,
		"\u00a0{\"message\":{\"body\":\"a\xffb\"}}",
		`{"tickets":[{"ticket_id":"1"},2],"count":"2","from":1.0,"to":true}`,
		`[{"ticket_id":"1"},null]`,
		`{"event":" ticket.created ","data":{"ticket_id":"1"},"previous_attributes":null,"event_type":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAcceptance(t, b) })
}

// TestCheckIDs: a listed ticket whose ticket_id or org_id was not an exact
// JSON string says so, naming the member, as the webhook would refuse it.
func TestCheckIDs(t *testing.T) {
	var l periskope.TicketList
	body := `{"tickets":[{"ticket_id":"T-1","org_id":"o"},{"ticket_id":"\ud800","org_id":"o"},{"ticket_id":"T-3","org_id":7},{"ticket_id":100}]}`
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"", "ticket_id", "org_id", "ticket_id"} {
		err := l.Tickets[i].CheckIDs()
		var fe *periskope.FieldError
		if want == "" && err != nil || want != "" && (!errors.Is(err, periskope.ErrInvalidID) || !errors.As(err, &fe) || fe.Field != want) {
			t.Errorf("ticket %d: CheckIDs = %v; want a *FieldError on %q", i, err, want)
		}
	}
}

// TestInexactIDs: the JSON text of an inexact id tells apart ids that read
// alike; exact ones have none.
func TestInexactIDs(t *testing.T) {
	var l periskope.TicketList
	body := `{"tickets":[{"ticket_id":"T-1","org_id":"o"},{"ticket_id":"\ud800","org_id":"o"},{"ticket_id":"\udfff","org_id":"o"},` +
		`{"ticket_id":"T-4","org_id":7},{"ticket_id":{"a": 1},"org_id":null}]}`
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]string{{"", ""}, {"", `"\ud800"`}, {"", `"\udfff"`}, {"7", ""}, {"", `{"a": 1}`}} {
		tk := l.Tickets[i]
		if org, id := tk.InexactIDs(); org != want[0] || id != want[1] {
			t.Errorf("ticket %d: InexactIDs = %q, %q; want %q, %q", i, org, id, want[0], want[1])
		}
	}
	if l.Tickets[1].TicketID != l.Tickets[2].TicketID {
		t.Errorf("ticket ids %q and %q: want both read as U+FFFD", l.Tickets[1].TicketID, l.Tickets[2].TicketID)
	}
}
