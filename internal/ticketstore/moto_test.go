package ticketstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// motoTable starts moto_server, creates a tickets table and returns a client.
func motoTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	_, db := motoserver.StartWithTable(t, "tickets")
	return db, "tickets"
}

func getTicket(t *testing.T, db *dynamodb.Client, table string, tk *ticketstore.Ticket) *ticketstore.Ticket {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            ticketstore.ItemKey(tk.OrgID, tk.TicketID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatalf("no item for %s", ticketstore.Key(tk.OrgID, tk.TicketID))
	}
	got, err := ticketstore.FromItem(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func countItems(t *testing.T, db *dynamodb.Client, table string) int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT"})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func TestMotoPutStoresOnceAndReadsBack(t *testing.T) {
	db, table := motoTable(t)
	store := ticketstore.New(db, table)
	ctx := context.Background()

	first := validTicket()
	first.ChatID = "" // no chat: stored, outside the ByChat index
	if err := store.Put(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := getTicket(t, db, table, first); !reflect.DeepEqual(got, first) {
		t.Errorf("read back:\n got %+v\nwant %+v", got, first)
	}

	second := validTicket()
	second.Subject = "a redelivery must not overwrite"
	if err := store.Put(ctx, second); !errors.Is(err, ticketstore.ErrDuplicate) {
		t.Fatalf("second Put: %v, want ErrDuplicate", err)
	}
	if got := getTicket(t, db, table, first); got.Subject != first.Subject {
		t.Errorf("duplicate overwrote the subject: %q", got.Subject)
	}

	other := validTicket()
	other.TicketID = "TICKET-12346"
	if err := store.Put(ctx, other); err != nil {
		t.Fatalf("another ticket of the same org: %v", err)
	}
	if n := countItems(t, db, table); n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}

func TestMotoConcurrentPutsStoreOne(t *testing.T) {
	db, table := motoTable(t)
	store := ticketstore.New(db, table)
	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			errs <- store.Put(context.Background(), validTicket())
		})
	}
	wg.Wait()
	close(errs)
	stored := 0
	for err := range errs {
		switch {
		case err == nil:
			stored++
		case errors.Is(err, ticketstore.ErrDuplicate):
		default:
			t.Errorf("Put: %v", err)
		}
	}
	// internal/dev/motoserver serialises requests to moto, so its conditional
	// writes are atomic as DynamoDB's are: exactly one Put succeeds.
	if stored != 1 {
		t.Errorf("%d Puts succeeded, want exactly 1", stored)
	}
	if got := countItems(t, db, table); got != 1 {
		t.Errorf("%d items, want 1", got)
	}
}

// The largest item Validate lets through, in each storage form, must be one
// DynamoDB accepts, or an oversized delivery would look like an outage (503,
// redelivered forever) instead of the caller's fault.
func TestMotoAcceptsTheLargestValidItem(t *testing.T) {
	db, table := motoTable(t)
	for _, tc := range []struct {
		form string
		data string // cut to its longest prefix that is valid and in form
	}{
		{"text", strings.Repeat("x", ticketstore.MaxItemBytes)},
		{"gzip", incompressible(2 * ticketstore.MaxItemBytes)},
	} {
		tk := validTicket()
		tk.TicketID = "T-largest-" + tc.form
		// Binary search for the longest prefix: the item grows with it
		// (the text form until it no longer fits, the gzip form after).
		fits := func(n int) bool {
			tk.Data = []byte(tc.data[:n])
			return tk.Validate() == nil && (tc.form != "text" || form(tk.Item()) == "text")
		}
		n := sort.Search(len(tc.data)+1, func(n int) bool { return !fits(n) }) - 1
		if fits(n+1) || !fits(n) || form(tk.Item()) != tc.form {
			t.Fatalf("%s: no longest valid prefix found (%d bytes, stored as %s)", tc.form, n, form(tk.Item()))
		}
		if err := ticketstore.New(db, table).Put(context.Background(), tk); err != nil {
			t.Fatalf("%s: item of %d data bytes that Validate accepts: %v", tc.form, len(tk.Data), err)
		}
		if got := getTicket(t, db, table, tk); !bytes.Equal(got.Data, tk.Data) {
			t.Errorf("%s: data read back differs", tc.form)
		}
	}
}

// Large groups are stored in DynamoDB (moto enforces the 400 KB item
// limit) and read back by FromItem in every form.
func TestMotoStoresLargeGroups(t *testing.T) {
	db, table := motoTable(t)
	store := ticketstore.New(db, table)
	for _, tc := range []struct {
		name, form string
		data       []byte
	}{
		{"450 members", "text", dataOfDelivery(t, samples.LargeGroup(450, 20))},
		{"1,024 members", "gzip", dataOfDelivery(t, samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 100))},
		{"5 MB", "gzip", dataOfDelivery(t, samples.LargeGroup(11300, 100))},
		{"incompressible members", "gzip, members cut", groupWithIncompressibleMembers(t, 1<<20)},
	} {
		tk := validTicket()
		tk.TicketID = "T-" + tc.name
		tk.Data = tc.data
		if got := form(tk.Item()); got != tc.form {
			t.Errorf("%s: stored as %s, want %s", tc.name, got, tc.form)
		}
		if err := store.Put(context.Background(), tk); err != nil {
			t.Fatalf("%s: Put: %v", tc.name, err)
		}
		got := getTicket(t, db, table, tk)
		if cut := tc.form == "gzip, members cut"; got.MembersTruncated != cut || bytes.Equal(got.Data, tk.Data) == cut {
			t.Errorf("%s: read back truncated=%v, data equal=%v", tc.name, got.MembersTruncated, bytes.Equal(got.Data, tk.Data))
		}
	}
}

// A ticket without a usable chat_id or created_at is still stored, just
// not in the sparse ByChat index: DynamoDB refuses an index key that is
// empty or over its size limit, which would lose the ticket.
func TestMotoTicketsOutsideTheIndexAreStored(t *testing.T) {
	db, table := motoTable(t)
	store := ticketstore.New(db, table)
	for _, tc := range []struct {
		name    string
		mutate  func(*ticketstore.Ticket)
		indexed bool
	}{
		{"chat and created_at", func(*ticketstore.Ticket) {}, true},
		{"no chat", func(tk *ticketstore.Ticket) { tk.ChatID = "" }, false},
		{"no created_at", func(tk *ticketstore.Ticket) { tk.CreatedAt = "" }, false},
		{"neither", func(tk *ticketstore.Ticket) { tk.ChatID, tk.CreatedAt = "", "" }, false},
		{"1,500-byte created_at", func(tk *ticketstore.Ticket) { tk.CreatedAt = strings.Repeat("9", 1500) }, false},
		{"created_at at the sort key limit", func(tk *ticketstore.Ticket) {
			tk.CreatedAt = strings.Repeat("9", ticketstore.MaxSortKeyBytes)
		}, true},
		{"chat_id over the partition key limit", func(tk *ticketstore.Ticket) {
			tk.ChatID = strings.Repeat("c", ticketstore.MaxKeyBytes+1)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tk.TicketID = "T-" + strings.ReplaceAll(tc.name, " ", "-")
			tc.mutate(tk)
			before := countItems(t, db, table)
			if err := store.Put(context.Background(), tk); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if n := countItems(t, db, table) - before; n != 1 {
				t.Fatalf("%d items written, want 1", n)
			}
			got := getTicket(t, db, table, tk)
			if got.TicketID != tk.TicketID || !bytes.Equal(got.Data, tk.Data) {
				t.Errorf("read back %+v", got)
			}
			chat := tk.ChatID
			if chat == "" { // DynamoDB refuses to query for an empty key
				chat = validTicket().ChatID
			}
			inIndex := slices.Contains(motoserver.IndexPKs(t, db, table, ticketstore.IndexByChat, "chat_id", chat), ticketstore.Key(tk.OrgID, tk.TicketID))
			if inIndex != tc.indexed {
				t.Errorf("in ByChat = %v, want %v", inIndex, tc.indexed)
			}
		})
	}
}

// The ByChat index lists a chat's tickets in created_at order.
func TestMotoQueryByChatOrdersByCreatedAt(t *testing.T) {
	db, table := motoTable(t)
	store := ticketstore.New(db, table)
	for i, created := range []string{"2024-05-24T08:30:00+00:00", "2024-05-23T08:30:00+00:00", "2024-05-25T08:30:00+00:00"} {
		tk := validTicket()
		tk.TicketID = fmt.Sprintf("T-%d", i)
		tk.CreatedAt = created
		if err := store.Put(context.Background(), tk); err != nil {
			t.Fatal(err)
		}
	}
	other := validTicket()
	other.TicketID, other.ChatID = "T-other", "120363000000000000@g.us"
	if err := store.Put(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	org := validTicket().OrgID
	want := []string{ticketstore.Key(org, "T-1"), ticketstore.Key(org, "T-0"), ticketstore.Key(org, "T-2")}
	if got := motoserver.IndexPKs(t, db, table, ticketstore.IndexByChat, "chat_id", validTicket().ChatID); !slices.Equal(got, want) {
		t.Errorf("ByChat = %v, want %v", got, want)
	}
}

// A missing table is ErrUnavailable: DynamoDB answers the same for a table
// that is not ACTIVE yet, which a later try may find.
func TestMotoMissingTableIsUnavailable(t *testing.T) {
	db, _ := motoTable(t)
	err := ticketstore.New(db, "no-such-table").Put(context.Background(), validTicket())
	if !errors.Is(err, ticketstore.ErrUnavailable) || errors.Is(err, ticketstore.ErrRejected) {
		t.Fatalf("err = %v, want ErrUnavailable alone", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("AWS error code not reachable: %v", err)
	}
}

// A write DynamoDB refuses for good is ErrRejected, not ErrUnavailable:
// retrying cannot store it. Here the store is pointed at a table keyed
// otherwise (a misconfigured TICKETS_TABLE), which DynamoDB answers with a
// ValidationException.
func TestMotoValidationExceptionIsRejected(t *testing.T) {
	db, _ := motoTable(t)
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("keyed-otherwise"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ticketstore.New(db, "keyed-otherwise").Put(context.Background(), validTicket())
	if !errors.Is(err, ticketstore.ErrRejected) || errors.Is(err, ticketstore.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrRejected alone", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Errorf("AWS error code not reachable: %v", err)
	}
}
