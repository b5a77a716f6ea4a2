package picture

import (
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

// Every character the real dashboard writes has a glyph: none is drawn as
// the '?' of a missing one.
func TestFontCoversTheDashboard(t *testing.T) {
	d, err := dashboard.Load("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"0123456789.- ms", "template.yaml's dashboard widgets; (make load)", "NO LOCAL SOURCE NO DATA ALARM OK"}
	for _, w := range d.Widgets {
		texts = append(texts, w.Title)
		for _, m := range w.Metrics {
			texts = append(texts, m.Legend())
		}
		for _, a := range w.Alarms {
			texts = append(texts, displayName(a))
		}
	}
	for _, s := range texts {
		for _, r := range strings.ToUpper(s) {
			if _, ok := glyphs[r]; !ok {
				t.Errorf("no glyph for %q (in %q)", r, s)
			}
		}
	}
	for r, g := range glyphs {
		for _, row := range g {
			if len(row) != 5 {
				t.Errorf("glyph %q has a row of %d columns, want 5", r, len(row))
			}
		}
	}
}
