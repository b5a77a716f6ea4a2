package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/internal/jsonscan"
)

// scanAll reads b as one JSON value with nothing but whitespace around it.
func scanAll(b []byte) (ok, tooDeep bool) {
	s := jsonscan.New(b)
	s.SkipSpace()
	_, ok = s.Value()
	s.SkipSpace()
	return ok && s.AtEnd(), s.TooDeep()
}

// TestScannerAcceptsWhatJSONValidAccepts: the grammar is json.Valid's,
// whatever the scanner only skips. (pkg/periskope's fuzz targets compare
// it with json.Valid on generated input too.)
func TestScannerAcceptsWhatJSONValidAccepts(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+10`, `2E0`, `true`, `false`, `null`, " \t\n\r{ \"a\" : [1, {\"b\":null}] } ",
		`{"a":"\u00e9\n\"\\\/"}`, `"é"`, `{"a":1,"a":2}`,
		``, ` `, `{`, `}`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
		`{"a":1e}`, `{"a":.5}`, `{"a":+1}`, `{"a":tru}`, `{"a":truex}`, `{"a":"\x01"}`, `{"a":"\q"}`,
		`{"a":"\u12G4"}`, `{"a":"\u12"}`, `"unterminated`, `[1,]`, `[1 2]`, `{} {}`, `{}x`, "\"a\xffb\"",
	} {
		ok, _ := scanAll([]byte(in))
		if want := json.Valid([]byte(in)); ok != want {
			t.Errorf("scanner accepts %q: %v, json.Valid: %v", in, ok, want)
		}
	}
}

// TestScannerRefusesNestingBeyondMaxDepth: valid but deeper than MaxDepth
// is refused and reported, MaxDepth itself is read.
func TestScannerRefusesNestingBeyondMaxDepth(t *testing.T) {
	for _, tc := range []struct {
		depth       int
		ok, tooDeep bool
	}{
		{jsonscan.MaxDepth, true, false},
		{jsonscan.MaxDepth + 1, false, true},
	} {
		in := strings.Repeat("[", tc.depth) + strings.Repeat("]", tc.depth)
		if ok, tooDeep := scanAll([]byte(in)); ok != tc.ok || tooDeep != tc.tooDeep {
			t.Errorf("depth %d: ok %v tooDeep %v, want %v %v", tc.depth, ok, tooDeep, tc.ok, tc.tooDeep)
		}
	}
}

// TestObjectHandsOutDecodedNamesAndRawValues: names arrive decoded, values
// as the exact JSON text, which is a sub-slice of the input (no copy).
func TestObjectHandsOutDecodedNamesAndRawValues(t *testing.T) {
	in := []byte(`{"plain": 1.50 ,"esc\u0061ped":{"x":[true]},"s":"a\"b"}`)
	s := jsonscan.New(in)
	var names, values []string
	ok := s.Object(func(key []byte) bool {
		v, ok := s.Value()
		names = append(names, string(key))
		values = append(values, string(v))
		if i := bytes.Index(in, v); ok && (i < 0 || &v[0] != &in[i]) {
			t.Errorf("value %q is a copy, not a sub-slice of the input", v)
		}
		return ok
	})
	if !ok || !s.AtEnd() {
		t.Fatalf("Object(%s) = %v, at end %v", in, ok, s.AtEnd())
	}
	wantNames, wantValues := []string{"plain", "escaped", "s"}, []string{`1.50`, `{"x":[true]}`, `"a\"b"`}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") || strings.Join(values, "|") != strings.Join(wantValues, "|") {
		t.Errorf("names %q values %q, want %q %q", names, values, wantNames, wantValues)
	}
}

// TestRawStringReportsPlain: plain means the bytes between the quotes are
// the decoded value; Text decodes the others as encoding/json does.
func TestRawStringReportsPlain(t *testing.T) {
	for _, tc := range []struct {
		in    string
		plain bool
		text  string
	}{
		{`"abc"`, true, "abc"},
		{`"é"`, true, "é"},
		{`"a\nb"`, false, "a\nb"},
		{`"\u00e9"`, false, "é"},
		{"\"a\xffb\"", false, "a\uFFFDb"},
	} {
		s := jsonscan.New([]byte(tc.in))
		raw, plain, ok := s.RawString()
		if !ok || string(raw) != tc.in || plain != tc.plain {
			t.Errorf("RawString(%q) = %q, plain %v, ok %v; want plain %v", tc.in, raw, plain, ok, tc.plain)
		}
		s = jsonscan.New([]byte(tc.in))
		if text, ok := s.Text(); !ok || text != tc.text {
			t.Errorf("Text(%q) = %q, %v; want %q", tc.in, text, ok, tc.text)
		}
	}
}
