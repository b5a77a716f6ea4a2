package periskope_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// TestTimeForms: every timestamp form Periskope sends decodes, in a string.
func TestTimeForms(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-01-26T13:46:21.670006+00:00", utc(2025, 1, 26, 13, 46, 21, 670006000)},
		{"2024-05-13T17:27:15+00:00", utc(2024, 5, 13, 17, 27, 15, 0)},
		{"2024-05-13T17:27:15Z", utc(2024, 5, 13, 17, 27, 15, 0)},
		{"2024-05-13T22:57:15+05:30", utc(2024, 5, 13, 17, 27, 15, 0)},
		{"2024-05-13T17:27:15+0000", utc(2024, 5, 13, 17, 27, 15, 0)},
		{"2024-05-13T17:27:15+00", utc(2024, 5, 13, 17, 27, 15, 0)},
		{"2024-05-13 11:19:34+00", utc(2024, 5, 13, 11, 19, 34, 0)},
		{"2024-05-13 11:19:34.5+00", utc(2024, 5, 13, 11, 19, 34, 500000000)},
		{"2024-05-13 11:19:34+00:00", utc(2024, 5, 13, 11, 19, 34, 0)},
		{"2024-05-13 11:19:34-0100", utc(2024, 5, 13, 12, 19, 34, 0)},
		{"2024-05-13T11:19:34", utc(2024, 5, 13, 11, 19, 34, 0)},
		{"2024-05-13 11:19:34", utc(2024, 5, 13, 11, 19, 34, 0)},
		{"2024-05-13  11:19:34+00", utc(2024, 5, 13, 11, 19, 34, 0)}, // time.Parse lets one layout space match several
		{"2025-04-20", utc(2025, 4, 20, 0, 0, 0, 0)},
		{" 2025-04-20 ", utc(2025, 4, 20, 0, 0, 0, 0)},
	}
	for _, tt := range tests {
		var got periskope.Time
		err := json.Unmarshal([]byte(strconv.Quote(tt.in)), &got)
		if err != nil || !got.Equal(tt.want) || got.Raw != tt.in {
			t.Errorf("Time from %q = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// A string in none of the forms is refused ("" is the zero Time, and a
	// bare number is epoch seconds only outside a string).
	for _, bad := range []string{"yesterday", "2025-13-01", "20/04/2025", "1737976074"} {
		var got periskope.Time
		if err := json.Unmarshal([]byte(strconv.Quote(bad)), &got); err == nil {
			t.Errorf("Time from %q = %v, want an error", bad, got)
		}
	}
}

func TestTimeJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		raw     string
		wantErr bool
		out     string
	}{
		{`"2024-05-13 11:19:34+00"`, time.Date(2024, 5, 13, 11, 19, 34, 0, time.UTC), "2024-05-13 11:19:34+00", false, `"2024-05-13 11:19:34+00"`},
		{`null`, time.Time{}, "", false, `null`},
		{`""`, time.Time{}, "", false, `null`},
		{`1737976074`, time.Unix(1737976074, 0), "1737976074", false, `"1737976074"`},
		{`1737976074500`, time.UnixMilli(1737976074500), "1737976074500", false, `"1737976074500"`},
		{`1737976074.25`, time.Unix(1737976074, 250000000), "1737976074.25", false, `"1737976074.25"`},
		{`"later"`, time.Time{}, "", true, ``},
		{`true`, time.Time{}, "", true, ``},
		{`"unterminated`, time.Time{}, "", true, ``},
	}
	for _, tt := range tests {
		var got periskope.Time
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if !got.Equal(tt.want) || got.Raw != tt.raw {
			t.Errorf("Unmarshal(%s) = %v raw %q, want %v raw %q", tt.in, got.Time, got.Raw, tt.want, tt.raw)
		}
		out, err := json.Marshal(got)
		if err != nil || string(out) != tt.out {
			t.Errorf("Marshal(%s) = %s, %v; want %s", tt.in, out, err, tt.out)
		}
	}
	// Without Raw, a Time marshals as RFC 3339.
	out, _ := json.Marshal(periskope.Time{Time: time.Date(2025, 4, 20, 1, 2, 3, 4, time.UTC)})
	if string(out) != `"2025-04-20T01:02:03.000000004Z"` {
		t.Errorf("Marshal = %s", out)
	}
}

func TestPriorityJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    periskope.Priority
		wantErr bool
	}{
		{`2`, periskope.PriorityMedium, false},
		{`"2"`, periskope.PriorityMedium, false},
		{`" 4 "`, periskope.PriorityUrgent, false},
		{`0`, periskope.PriorityNone, false},
		{`3.0`, periskope.PriorityHigh, false},
		{`"1.0"`, periskope.PriorityLow, false},
		{`null`, periskope.PriorityNone, false},
		{`""`, periskope.PriorityNone, false},
		{`"low"`, periskope.PriorityLow, false},
		{`"Medium"`, periskope.PriorityMedium, false},
		{`"HIGH"`, periskope.PriorityHigh, false},
		{`"urgent"`, periskope.PriorityUrgent, false},
		{`"none"`, periskope.PriorityNone, false},
		{`"soon"`, periskope.PriorityNone, true},
		{`2.5`, periskope.PriorityNone, true},
		{`true`, periskope.PriorityNone, true},
		{`{}`, periskope.PriorityNone, true},
		{`[2]`, periskope.PriorityNone, true},
	}
	for _, tt := range tests {
		var p periskope.Priority
		err := json.Unmarshal([]byte(tt.in), &p)
		if (err != nil) != tt.wantErr || p != tt.want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d, error %v", tt.in, p, err, tt.want, tt.wantErr)
		}
	}
	out, _ := json.Marshal(struct {
		P periskope.Priority  `json:"p"`
		O periskope.Priority  `json:"o,omitempty"`
		Q *periskope.Priority `json:"q,omitempty"`
	}{P: periskope.PriorityHigh, Q: ptr(periskope.PriorityUrgent)})
	if string(out) != `{"p":"3","q":"4"}` {
		t.Errorf("Marshal = %s", out)
	}
	for p, want := range map[periskope.Priority]bool{0: false, 1: true, 4: true, 5: false, -1: false} {
		if p.Valid() != want {
			t.Errorf("Priority(%d).Valid() = %v", p, !want)
		}
	}
}

// seedRequestExample is the request example of the seed spec as the vendor
// text had it: a Create Group body that belongs to another endpoint.
const seedRequestExample = `            examples:
              Create Group:
                value:
                  group_name: Test New 1040
                  options:
                    addMembersAdminsOnly: ''
                    description: ''
                    image: ''
                    infoAdminsOnly: ''
                    messagesAdminsOnly: ''
                  participants:
                    - '919537851844'
`

// TestSeedSpecNeededItsRepair proves the repair of the seed spec was needed:
// with the vendor's request example put back, the document fails
// validation; as committed it passes.
func TestSeedSpecNeededItsRepair(t *testing.T) {
	data, err := periskopetest.OpenAPI.ReadFile("create-ticket.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	repaired := string(data)
	block := regexp.MustCompile(`(?s)            # REPAIRED:.*?\n            examples:\n.*?\n      responses:`)
	if !block.MatchString(repaired) {
		t.Fatal("the REPAIRED request example block is not where expected")
	}
	original := block.ReplaceAllLiteralString(repaired, seedRequestExample+"      responses:")
	doc, err := openapi3.NewLoader().LoadFromData([]byte(original))
	if err != nil {
		t.Fatal(err)
	}
	err = doc.Validate(context.Background())
	t.Logf("seed spec as given: %v", err)
	if err == nil || !strings.Contains(err.Error(), "example") {
		t.Errorf("the seed spec with its Create Group example validates (%v)", err)
	}
	// NewValidator validates each document as committed.
	if _, err := periskopetest.NewValidator(); err != nil {
		t.Error(err)
	}
}
