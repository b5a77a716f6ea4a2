package ticketstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// batchDB answers BatchGetItem from a set of stored keys, leaving the last
// unprocessed keys of each call unprocessed for the first rounds.
type batchDB struct {
	stored      map[string]bool
	unprocessed []int // per call: how many keys to leave unprocessed
	calls       []*dynamodb.BatchGetItemInput
	callTimes   []time.Time
	err         error
}

func (f *batchDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.calls = append(f.calls, in)
	f.callTimes = append(f.callTimes, time.Now())
	if f.err != nil {
		return nil, f.err
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		keys := ka.Keys
		if n := len(f.calls) - 1; n < len(f.unprocessed) {
			left := min(f.unprocessed[n], len(keys))
			out.UnprocessedKeys = map[string]types.KeysAndAttributes{table: {Keys: keys[len(keys)-left:]}}
			keys = keys[:len(keys)-left]
		}
		for _, k := range keys {
			if pk := k["pk"].(*types.AttributeValueMemberS).Value; f.stored[pk] {
				out.Responses[table] = append(out.Responses[table], map[string]types.AttributeValue{"pk": k["pk"]})
			}
		}
	}
	return out, nil
}

func refs(n int) []ticketstore.TicketRef {
	out := make([]ticketstore.TicketRef, n)
	for i := range out {
		out[i] = ticketstore.TicketRef{OrgID: "org", TicketID: fmt.Sprintf("T-%03d", i)}
	}
	return out
}

func TestLookupStoredAsksOnceWithKeysOnly(t *testing.T) {
	rs := refs(100)
	db := &batchDB{stored: map[string]bool{rs[3].Key(): true, rs[99].Key(): true}}
	got, err := ticketstore.NewLookup(db, "tickets").Stored(context.Background(), rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.calls) != 1 {
		t.Fatalf("%d BatchGetItem calls, want 1", len(db.calls))
	}
	ka := db.calls[0].RequestItems["tickets"]
	if len(ka.Keys) != 100 || !aws.ToBool(ka.ConsistentRead) || aws.ToString(ka.ProjectionExpression) != "pk" {
		t.Errorf("request: %d keys, consistent %v, projection %q; want 100, true, pk", len(ka.Keys), aws.ToBool(ka.ConsistentRead), aws.ToString(ka.ProjectionExpression))
	}
	if len(got) != 100 {
		t.Fatalf("%d answers, want one per ref", len(got))
	}
	for i, r := range rs {
		if want := i == 3 || i == 99; got[r] != want {
			t.Errorf("%s stored = %v, want %v", r.TicketID, got[r], want)
		}
	}
}

func TestLookupRetriesUnprocessedKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rs := refs(10)
		db := &batchDB{stored: map[string]bool{rs[9].Key(): true, rs[8].Key(): true}, unprocessed: []int{4, 1}}
		got, err := ticketstore.NewLookup(db, "tickets").Stored(context.Background(), rs)
		if err != nil {
			t.Fatal(err)
		}
		if len(db.calls) != 3 || len(db.calls[1].RequestItems["tickets"].Keys) != 4 || len(db.calls[2].RequestItems["tickets"].Keys) != 1 {
			t.Fatalf("%d calls; want 3 asking for 10, 4, then 1 keys", len(db.calls))
		}
		waits := []time.Duration{db.callTimes[1].Sub(db.callTimes[0]), db.callTimes[2].Sub(db.callTimes[1])}
		if waits[0] <= 0 || waits[1] != 2*waits[0] {
			t.Errorf("waits %v, want two, doubling", waits)
		}
		if !got[rs[9]] || !got[rs[8]] || got[rs[0]] {
			t.Errorf("stored = %v; want T-008 and T-009 only", got)
		}
	})
}

func TestLookupErrors(t *testing.T) {
	boom := errors.New("connection refused")
	tests := []struct {
		name string
		db   *batchDB
		refs []ticketstore.TicketRef
		want error
	}{
		{"too many keys", &batchDB{}, refs(101), ticketstore.ErrTooManyKeys},
		{"DynamoDB fails", &batchDB{err: boom}, refs(2), ticketstore.ErrUnavailable},
		{"keys stay unprocessed", &batchDB{unprocessed: []int{1, 1, 1, 1, 1}}, refs(2), ticketstore.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { // the backoff in fake time
				_, err := ticketstore.NewLookup(tt.db, "tickets").Stored(context.Background(), tt.refs)
				if !errors.Is(err, tt.want) {
					t.Errorf("err = %v, want %v", err, tt.want)
				}
			})
		})
	}
}

func TestLookupAsksForARepeatedRefOnce(t *testing.T) {
	r := refs(1)[0]
	db := &batchDB{stored: map[string]bool{r.Key(): true}}
	got, err := ticketstore.NewLookup(db, "tickets").Stored(context.Background(), []ticketstore.TicketRef{r, r})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(db.calls[0].RequestItems["tickets"].Keys); n != 1 || !got[r] {
		t.Errorf("%d keys asked, stored %v; want 1 and true", n, got[r])
	}
}

func TestMotoLookupStored(t *testing.T) {
	db, table := motoTable(t)
	ctx := context.Background()
	store := ticketstore.New(db, table)
	rs := refs(100)
	for i, r := range rs {
		if i%3 != 0 {
			continue
		}
		tk := validTicket()
		tk.OrgID, tk.TicketID = r.OrgID, r.TicketID
		if err := store.Put(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ticketstore.NewLookup(db, table).Stored(ctx, rs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if want := i%3 == 0; got[r] != want {
			t.Errorf("%s stored = %v, want %v", r.TicketID, got[r], want)
		}
	}
}
