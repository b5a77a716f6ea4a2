package text_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Leaking tap", "Leaking tap"},
		{"कर्ज़ 🙂 ümlaut", "कर्ज़ 🙂 ümlaut"},
		{`C:\path "quoted"`, `C:\path "quoted"`},
		// OSC 52: write "pwned" to the operator's clipboard.
		{"hi\x1b]52;c;cHduZWQ=\x07there", `hi\x1b]52;c;cHduZWQ=\x07there`},
		{"red \x1b[31mtext\x1b[0m", `red \x1b[31mtext\x1b[0m`},
		{"a\r\nb\tc\x00d\x7f", `a\r\nb\tc\x00d\u007f`},
		{"one-char CSI \u009b31m, NEL \u0085", `one-char CSI \u009b31m, NEL \u0085`},
		{"evil\u202Etxt.exe \u2066x\u2069 \u200F \u061C", `evil\u202etxt.exe \u2066x\u2069 \u200f \u061c`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`},
		// Every invisible control there is: C1, the line and paragraph
		// separators, and Unicode's bidirectional controls (Bidi_Control).
		{"\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
			`\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069`},
		{"\u200b zero width space, \u00ad soft hyphen, \u2060 word joiner stay", "\u200b zero width space, \u00ad soft hyphen, \u2060 word joiner stay"},
	}
	for _, tt := range tests {
		got := text.Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("Escape(%q) kept %U", tt.in, r)
			}
		}
	}
}

// JSON text escaped line by line stays the same JSON.
func TestEscapeKeepsJSONValid(t *testing.T) {
	in := map[string]string{"subject": "x\x1b]52;c;cHduZWQ=\x07 \x7f \u009b \u202e y \\ \"", "id": "t-1"}
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line := range strings.Lines(string(b)) {
		lines = append(lines, text.Escape(strings.TrimSuffix(line, "\n")))
	}
	escaped := strings.Join(lines, "\n")
	var out map[string]string
	if err := json.Unmarshal([]byte(escaped), &out); err != nil {
		t.Fatalf("escaped JSON %s: %v", escaped, err)
	}
	if out["subject"] != in["subject"] || strings.ContainsAny(escaped, "\x1b\x07\u009b\u202e") {
		t.Errorf("escaped JSON %s decodes to %q", escaped, out["subject"])
	}
}
