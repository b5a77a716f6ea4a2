package ticketlookup_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/ops/ticketlookup"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

const (
	table = "tickets"
	org   = "org-1"
	chat  = "919537851844@c.us"
)

// ticket is a valid stored ticket of chat; tests change one field.
func ticket(id, createdAt string) *ticketstore.Ticket {
	return &ticketstore.Ticket{
		OrgID: org, TicketID: id, ChatID: chat, Subject: "Leaking tap " + id, Status: "open", Priority: 2,
		CreatedAt: createdAt, ReceivedAt: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		Event: "ticket.created", EventTimestamp: createdAt, Data: []byte(`{"ticket_id":"` + id + `"}`),
	}
}

// seed starts moto with template.yaml's table (ByChat included), and stores
// tickets the way the webhook does, plus an idempotency record that the
// lookups must not take for a ticket.
func seed(t *testing.T) (*dynamodb.Client, []*ticketstore.Ticket) {
	t.Helper()
	_, db := motoserver.StartWithTable(t, table)
	ctx := context.Background()
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "IDEMPOTENCY#abc"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	other := ticket("t-other", "2026-11-28T09:30:00.000Z")
	other.ChatID = "120363000000000000@g.us"
	stored := []*ticketstore.Ticket{
		ticket("t-1", "2026-11-28T09:00:00.000Z"),
		ticket("t-3", "2026-11-28T11:00:00.000Z"),
		ticket("t-2", "2026-11-28T10:00:00.000Z"),
		other,
	}
	store := ticketstore.New(db, table)
	for _, tk := range stored {
		if err := store.Put(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	return db, stored
}

func ids(t *testing.T, items []ticketlookup.Item) []string {
	t.Helper()
	var out []string
	for _, item := range items {
		tk, err := ticketstore.FromItem(item)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tk.TicketID)
	}
	return out
}

func TestChatTicketsNewestFirstOnMoto(t *testing.T) {
	db, _ := seed(t)
	l := ticketlookup.New(db, table)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		chat  string
		limit int
		want  []string
	}{
		"all":                 {chat, 0, []string{"t-3", "t-2", "t-1"}},
		"limit":               {chat, 2, []string{"t-3", "t-2"}},
		"bare digits":         {"919537851844", 0, []string{"t-3", "t-2", "t-1"}},
		"another chat":        {"120363000000000000@g.us", 0, []string{"t-other"}},
		"chat with no ticket": {"000@c.us", 0, nil},
	} {
		t.Run(name, func(t *testing.T) {
			items, err := l.ChatTickets(ctx, tc.chat, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(t, items); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ChatTickets(%q, %d) = %v, want %v", tc.chat, tc.limit, got, tc.want)
			}
		})
	}
}

func TestTicketOnMoto(t *testing.T) {
	db, stored := seed(t)
	l := ticketlookup.New(db, table)
	ctx := context.Background()
	item, err := l.Ticket(ctx, org, "t-2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ticketstore.FromItem(item)
	if err != nil {
		t.Fatal(err)
	}
	if want := stored[2]; !reflect.DeepEqual(got, want) {
		t.Fatalf("Ticket = %+v, want %+v", got, want)
	}
	if _, err := l.Ticket(ctx, org, "t-404"); !errors.Is(err, ticketlookup.ErrNotFound) {
		t.Errorf("missing ticket: err = %v, want ErrNotFound", err)
	}
	if _, err := l.Ticket(ctx, "org-2", "t-2"); !errors.Is(err, ticketlookup.ErrNotFound) {
		t.Errorf("other org: err = %v, want ErrNotFound", err)
	}

	// The printed item embeds the event's data as JSON.
	b, err := writtenJSON(item)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		PK       string `json:"pk"`
		Priority int    `json:"priority"`
		Data     struct {
			TicketID string `json:"ticket_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, b)
	}
	if doc.PK != "TICKET#org-1#t-2" || doc.Priority != 2 || doc.Data.TicketID != "t-2" {
		t.Fatalf("JSON = %s", b)
	}
}

func TestOrgOnMoto(t *testing.T) {
	db, _ := seed(t)
	got, err := ticketlookup.New(db, table).Org(context.Background())
	if err != nil || got != org {
		t.Fatalf("Org = %q, %v; want %q", got, err, org)
	}

	_, empty := motoserver.StartWithTable(t, table)
	if _, err := ticketlookup.New(empty, table).Org(context.Background()); !errors.Is(err, ticketlookup.ErrNoTickets) {
		t.Fatalf("empty table: err = %v, want ErrNoTickets", err)
	}
}

// A large group's ticket, stored gzipped, is found and printed with its
// data decompressed, byte for byte; make tickets lists it under its chat.
func TestLargeGroupTicketOnMoto(t *testing.T) {
	_, db := motoserver.StartWithTable(t, table)
	body := samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 100)
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	tk := ticket(samples.LargeGroupTicketID(samples.WhatsAppMaxGroupMembers, 100), "2026-11-28T09:00:00.000Z")
	tk.ChatID, tk.Data = samples.LargeGroupChatID, env.Data
	if err := ticketstore.New(db, table).Put(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	l := ticketlookup.New(db, table)
	item, err := l.Ticket(context.Background(), org, tk.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if item["data_gz"] == nil {
		t.Fatal("the ticket was not stored compressed; the test needs a larger group")
	}
	b, err := writtenJSON(item)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data         json.RawMessage `json:"data"`
		DataGz       any             `json:"data_gz"`
		DataEncoding string          `json:"data_encoding"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want, got any
	_ = json.Unmarshal(env.Data, &want)
	_ = json.Unmarshal(doc.Data, &got)
	if !reflect.DeepEqual(got, want) || doc.DataGz != nil || doc.DataEncoding != "gzip" {
		t.Errorf("printed data_gz=%v encoding=%q, data equal: %v", doc.DataGz, doc.DataEncoding, reflect.DeepEqual(got, want))
	}
	items, err := l.ChatTickets(context.Background(), samples.LargeGroupChatID, 0)
	if err != nil || !reflect.DeepEqual(ids(t, items), []string{tk.TicketID}) {
		t.Errorf("ChatTickets = %v, %v", items, err)
	}
}
