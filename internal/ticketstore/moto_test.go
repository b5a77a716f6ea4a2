package ticketstore_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
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
	first.ChatID = "" // empty strings are legal non-key attributes
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.Put(context.Background(), validTicket())
		}()
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

func TestMotoMissingTableIsUnavailable(t *testing.T) {
	db, _ := motoTable(t)
	err := ticketstore.New(db, "no-such-table").Put(context.Background(), validTicket())
	if !errors.Is(err, ticketstore.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("AWS error code not reachable: %v", err)
	}
}

// The largest item Validate lets through must be one DynamoDB accepts, or
// an oversized delivery would look like an outage (503, redelivered
// forever) instead of the caller's fault.
func TestMotoAcceptsTheLargestValidItem(t *testing.T) {
	db, table := motoTable(t)
	tk := validTicket()
	// Shrink data until the item is just within the limit.
	tk.Data = []byte(strings.Repeat("x", ticketstore.MaxItemBytes))
	for tk.Validate() != nil {
		tk.Data = tk.Data[:len(tk.Data)-64]
	}
	if err := ticketstore.New(db, table).Put(context.Background(), tk); err != nil {
		t.Fatalf("item of %d data bytes that Validate accepts: %v", len(tk.Data), err)
	}
}
