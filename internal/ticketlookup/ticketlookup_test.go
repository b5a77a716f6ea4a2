package ticketlookup_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/ticketlookup"
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
	if _, err := ticketlookup.FindOrg(ctx, &pagedDB{err: down}, "tbl"); !errors.Is(err, down) {
		t.Errorf("FindOrg: err = %v, want it to wrap the SDK's", err)
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

// FindOrg reads on past pages that hold no ticket.
func TestFindOrgSkipsNonTicketPages(t *testing.T) {
	db := &pagedDB{pages: [][]ticketlookup.Item{{}, {{"pk": s("TICKET#org-9#t-1")}}}}
	org, err := ticketlookup.FindOrg(context.Background(), db, "tbl")
	if err != nil || org != "org-9" {
		t.Fatalf("FindOrg = %q, %v; want org-9", org, err)
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
