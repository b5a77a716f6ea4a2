package ticketlookup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/ops/ticketlookup"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// pagedDB answers Query and Scan with its pages in turn and records the
// inputs.
type pagedDB struct {
	pages   [][]ticketlookup.Item
	err     error
	queries []*dynamodb.QueryInput
	scans   []*dynamodb.ScanInput
}

func (p *pagedDB) page(n int) ([]ticketlookup.Item, ticketlookup.Item) {
	var next ticketlookup.Item
	if n+1 < len(p.pages) {
		next = ticketlookup.Item{"pk": s("page")}
	}
	return p.pages[n], next
}

func (p *pagedDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if p.err != nil {
		return nil, p.err
	}
	copied := *in
	p.queries = append(p.queries, &copied)
	items, next := p.page(len(p.queries) - 1)
	return &dynamodb.QueryOutput{Items: items, LastEvaluatedKey: next}, nil
}

func (p *pagedDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, p.err
}

func (p *pagedDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if p.err != nil {
		return nil, p.err
	}
	p.scans = append(p.scans, in)
	items, next := p.page(len(p.scans) - 1)
	return &dynamodb.ScanOutput{Items: items, LastEvaluatedKey: next}, nil
}

func item(id string) ticketlookup.Item { return ticketlookup.Item{"ticket_id": s(id)} }

// A limit spanning pages asks each page for what is still missing, newest
// first, on the ByChat index.
func TestChatTicketsPagesUpToLimit(t *testing.T) {
	db := &pagedDB{pages: [][]ticketlookup.Item{{item("a"), item("b")}, {item("c"), item("d")}, {item("e")}}}
	items, err := ticketlookup.New(db, "tbl").ChatTickets(context.Background(), "1@c.us", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || len(db.queries) != 2 {
		t.Fatalf("got %d items in %d queries, want 3 in 2", len(items), len(db.queries))
	}
	q := db.queries[1]
	if aws.ToString(q.IndexName) != ticketstore.IndexByChat || aws.ToBool(q.ScanIndexForward) || aws.ToInt32(q.Limit) != 1 || q.ExclusiveStartKey == nil {
		t.Fatalf("second query = index %s forward %v limit %d start %v", aws.ToString(q.IndexName), aws.ToBool(q.ScanIndexForward), aws.ToInt32(q.Limit), q.ExclusiveStartKey)
	}
}

func TestLookupErrors(t *testing.T) {
	down := errors.New("connection refused")
	ctx := context.Background()
	l := ticketlookup.New(&pagedDB{err: down}, "tbl")
	if _, err := l.Ticket(ctx, "org", "t"); !errors.Is(err, down) {
		t.Errorf("Ticket: err = %v, want it to wrap the SDK's", err)
	}
	if _, err := l.ChatTickets(ctx, "1@c.us", 0); !errors.Is(err, down) {
		t.Errorf("ChatTickets: err = %v, want it to wrap the SDK's", err)
	}
	if _, err := ticketlookup.New(&pagedDB{err: down}, "tbl").Org(ctx); !errors.Is(err, down) {
		t.Errorf("Org: err = %v, want it to wrap the SDK's", err)
	}
	for _, args := range [][2]string{{"", "t"}, {"org", " "}} {
		if _, err := l.Ticket(ctx, args[0], args[1]); !errors.Is(err, ticketlookup.ErrInvalid) {
			t.Errorf("Ticket(%q, %q): err = %v, want ErrInvalid", args[0], args[1], err)
		}
	}
	if _, err := l.ChatTickets(ctx, "  ", 0); !errors.Is(err, ticketlookup.ErrInvalid) {
		t.Errorf("ChatTickets(blank): err = %v, want ErrInvalid", err)
	}
	if _, err := ticketlookup.New(&pagedDB{}, "tbl").Ticket(ctx, "org", "t"); !errors.Is(err, ticketlookup.ErrNotFound) {
		t.Errorf("no item: err = %v, want ErrNotFound", err)
	}
}

// Org reads on past pages that hold no ticket.
func TestOrgSkipsNonTicketPages(t *testing.T) {
	db := &pagedDB{pages: [][]ticketlookup.Item{{}, {{"pk": s("TICKET#org-9#t-1")}}}}
	org, err := ticketlookup.New(db, "tbl").Org(context.Background())
	if err != nil || org != "org-9" {
		t.Fatalf("Org = %q, %v; want org-9", org, err)
	}
	if len(db.scans) != 2 || aws.ToString(db.scans[0].ProjectionExpression) != "pk" {
		t.Fatalf("scans = %d, projection %q; want 2 reading pk only", len(db.scans), aws.ToString(db.scans[0].ProjectionExpression))
	}
}

func TestWriteSummary(t *testing.T) {
	var buf bytes.Buffer
	items := []ticketlookup.Item{
		{"created_at": s("2026-11-28T11:00:00Z"), "ticket_id": s("t-3"), "org_id": s("o"), "status": s("open"),
			"priority": &types.AttributeValueMemberN{Value: "2"}, "subject": s("Leaking tap")},
		{"ticket_id": s("t-1")},
	}
	if err := ticketlookup.WriteSummary(&buf, items); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "created_at") ||
		strings.Join(strings.Fields(lines[1]), " ") != "2026-11-28T11:00:00Z t-3 o open 2 Leaking tap" ||
		strings.Join(strings.Fields(lines[2]), " ") != "- t-1 - - - -" {
		t.Fatalf("summary:\n%s", buf.String())
	}
}

// A stored subject is text from a WhatsApp chat: on the operator's
// terminal it must not run an escape sequence (OSC 52 writes the
// clipboard) nor forge a row or a column of make tickets' table.
func TestWriteSummaryEscapes(t *testing.T) {
	items := []ticketlookup.Item{{
		"created_at": s("2026-11-28T10:00:00Z"), "ticket_id": s("t-1"), "org_id": s("org-7"), "status": s("open"),
		"priority": &types.AttributeValueMemberN{Value: "1"},
		"subject":  s("refund\x1b]52;c;cHduZWQ=\x07\n2026-11-28T11:00:00Z  t-FORGED  org-7  closed\t9  \u202epaid"),
	}}
	var out bytes.Buffer
	if err := ticketlookup.WriteSummary(&out, items); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || strings.ContainsAny(out.String(), "\x1b\x07\t\u202e") {
		t.Fatalf("table:\n%q\nwant a header and one escaped row", out.String())
	}
	if want := `refund\x1b]52;c;cHduZWQ=\x07\n2026-11-28T11:00:00Z  t-FORGED  org-7  closed\t9  \u202epaid`; !strings.HasSuffix(lines[1], want) {
		t.Errorf("row %q, want it to end with %q", lines[1], want)
	}
}

// make ticket prints JSON: what its encoder leaves raw (C1 controls, DEL,
// bidirectional formatting, in data too) is escaped, and it is still the
// same JSON.
func TestJSONEscapes(t *testing.T) {
	subject := "a\u009b31m\x7f\u202eb\x1b]52;c;eA==\x07"
	item := ticketlookup.Item{"subject": s(subject), "data": s(`{"ticket":{"subject":"` + "x\u009b\u2066y" + `"}}`)}
	b, err := writtenJSON(item)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(b), "\x1b\x07\x7f\u009b\u202e\u2066") {
		t.Errorf("JSON keeps a control: %q", b)
	}
	var back struct {
		Subject string `json:"subject"`
		Data    struct {
			Ticket struct{ Subject string } `json:"ticket"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if back.Subject != subject || back.Data.Ticket.Subject != "x\u009b\u2066y" {
		t.Errorf("decoded %+v, want the stored text", back)
	}
}

// Data that is JSON but not UTF-8 is embedded with U+FFFD in place of the
// bad bytes; data that is not JSON becomes a string: the output stays JSON.
func TestJSONDataNotUTF8(t *testing.T) {
	for stored, want := range map[string]string{"{\"a\":\"x\xffy\"}": `{"a":"x\ufffdy"}`, "not json \xff": `"not json \ufffd"`} {
		b, err := writtenJSON(ticketlookup.Item{"data": s(stored)})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ Data json.RawMessage }
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q: %v: %s", stored, err, b)
		}
		var got, wanted any
		if json.Unmarshal(back.Data, &got) != nil || json.Unmarshal([]byte(want), &wanted) != nil || !reflect.DeepEqual(got, wanted) {
			t.Errorf("data %q printed as %s, want %s", stored, back.Data, want)
		}
	}
}

func TestLookupRefusesWhatIsNoID(t *testing.T) {
	l := ticketlookup.New(&pagedDB{}, "tbl")
	ctx := context.Background()
	for _, k := range [][2]string{{"org#x", "t-1"}, {"org-7", "t-1\x1b[2J"}, {"org-7\n", "t-1"}, {"org-7", "t\u202e1"}} {
		if _, err := l.Ticket(ctx, k[0], k[1]); !errors.Is(err, ticketlookup.ErrInvalid) {
			t.Errorf("Ticket(%q, %q): err = %v, want ErrInvalid", k[0], k[1], err)
		}
	}
	for _, chat := range []string{"x$(touch /tmp/p)", "91953 7851844", "1@c.us\x1b]52;c;eA==\x07", "1@c.us#TICKET"} {
		if _, err := l.ChatTickets(ctx, chat, 0); !errors.Is(err, ticketlookup.ErrInvalid) {
			t.Errorf("ChatTickets(%q): err = %v, want ErrInvalid", chat, err)
		}
	}
}

// writtenJSON is what WriteJSON writes for item.
func writtenJSON(item ticketlookup.Item) ([]byte, error) {
	var buf bytes.Buffer
	err := ticketlookup.WriteJSON(&buf, item)
	return buf.Bytes(), err
}
