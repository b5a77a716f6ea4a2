package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// sandboxClient is a Periskope client of sb; with a transport, its calls
// go through it.
func sandboxClient(t *testing.T, sb *sandbox.Server, tr http.RoundTripper) *periskope.Client {
	t.Helper()
	opts := []periskope.Option{periskope.WithBaseURL(sb.BaseURL()), periskope.WithAPIKey(local.APIKey), periskope.WithPhone(local.Phone)}
	if tr != nil {
		opts = append(opts, periskope.WithHTTPClient(&http.Client{Transport: tr}))
	}
	c, err := periskope.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sourcesIn scans the table and counts its items by source.
func sourcesIn(t *testing.T, db *dynamodb.Client, table string) map[string]int {
	t.Helper()
	out := map[string]int{}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			s, _ := item["source"].(*types.AttributeValueMemberS)
			if s == nil {
				out["(none)"]++
			} else {
				out[s.Value]++
			}
		}
	}
	return out
}

// TestMotoThousandTicketsNineHundredStored: 1,000 tickets in the sandbox,
// 900 in the table as the webhook stored them. reconcile stores the other
// 100 with one BatchGetItem per page of 100 (counted by a proxy in front of
// moto_server). Even asking for Periskope's whole 10 requests per second,
// it leaves DefaultReserve of each second's window to create-ticket
// (counted by the sandbox). A second run stores nothing.
func TestMotoThousandTicketsNineHundredStored(t *testing.T) {
	const table = "tickets"
	moto, _ := motoserver.StartWithTable(t, table)
	proxy, err := benchkit.StartAWSProxy(moto.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	cfg := moto.Config()
	cfg.BaseEndpoint = aws.String(proxy.URL)
	db := dynamodb.NewFromConfig(cfg)
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	setup := sandboxClient(t, sb, nil)
	webhookStore := ticketstore.New(db, table)
	for i := 1; i <= 1000; i++ {
		info, err := setup.CreateTicket(ctx, periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: fmt.Sprintf("ticket %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			continue // one in ten never reached the table
		}
		tk := ticketstore.FromTicketInfo(sandbox.DefaultOrgID, info, info.Raw)
		tk.ReceivedAt, tk.Event, tk.Source = time.Now(), ticketstore.EventTicketCreated, ticketstore.SourceWebhook
		if err := webhookStore.Put(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	sb.ResetCounters()
	batchGetsBefore, putsBefore := proxy.Counts()["DynamoDB_20120810.BatchGetItem"], proxy.Counts()["DynamoDB_20120810.PutItem"]

	run := func() (reconcile.Counts, *reconcile.Transport) {
		tr := &reconcile.Transport{Limiter: reconcile.NewLimiter(sandbox.DefaultRateLimit, reconcile.DefaultReserve)}
		counts, err := reconcile.Run(ctx, sandboxClient(t, sb, tr), ticketstore.NewLookup(db, table), ticketstore.New(db, table), reconcile.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return counts, tr
	}
	counts, tr := run()
	if want := (reconcile.Counts{Seen: 1000, AlreadyStored: 900, Stored: 100, Total: 1000}); counts != want {
		t.Errorf("counts = %+v, want %+v", counts, want)
	}
	if n := proxy.Counts()["DynamoDB_20120810.BatchGetItem"] - batchGetsBefore; n > 10 {
		t.Errorf("%d BatchGetItem calls, want at most 1,000/100 = 10", n)
	}
	if n := proxy.Counts()["DynamoDB_20120810.PutItem"] - putsBefore; n != 100 {
		t.Errorf("%d PutItem calls, want one per missing ticket (100)", n)
	}
	st := sb.Stats()
	if most := sandbox.DefaultRateLimit - reconcile.DefaultReserve; st.MaxRequestsPerSecond > most {
		t.Errorf("%d Periskope requests in one second, over the %d the reserve leaves", st.MaxRequestsPerSecond, most)
	}
	// 10 full pages, the empty page after them, and 100 ticket reads.
	if st.APIRequests != 111 || tr.Requests() != 111 {
		t.Errorf("sandbox saw %d requests, the client sent %d; want 111", st.APIRequests, tr.Requests())
	}
	if got := sourcesIn(t, db, table); got[ticketstore.SourceWebhook] != 900 || got[ticketstore.SourceReconcile] != 100 || len(got) != 2 {
		t.Errorf("items by source %v, want 900 webhook and 100 reconcile", got)
	}

	again, _ := run()
	if again.Stored != 0 || again.AlreadyStored != 1000 || again.Failed != 0 {
		t.Errorf("second run: %+v, want all 1000 already stored", again)
	}
}

// staleLookup answers that nothing is stored, as a read made just before
// the webhook's write would.
type staleLookup struct{}

func (staleLookup) Stored(_ context.Context, refs []ticketstore.TicketRef) (map[ticketstore.TicketRef]bool, error) {
	return map[ticketstore.TicketRef]bool{}, nil
}

// TestMotoWebhookWinsTheRace: the webhook stores a ticket between
// reconcile's BatchGetItem and its PutItem. The conditional write fails,
// the ticket counts as already stored, and the webhook's item stays.
func TestMotoWebhookWinsTheRace(t *testing.T) {
	const table = "tickets"
	_, db := motoserver.StartWithTable(t, table)
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := context.Background()
	client := sandboxClient(t, sb, nil)
	info, err := client.CreateTicket(ctx, periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: "raced"})
	if err != nil {
		t.Fatal(err)
	}
	webhookTicket := ticketstore.FromTicketInfo(sandbox.DefaultOrgID, info, info.Raw)
	webhookTicket.ReceivedAt, webhookTicket.Event, webhookTicket.EventTimestamp, webhookTicket.Source =
		time.Date(2026, 11, 28, 1, 2, 3, 0, time.UTC), ticketstore.EventTicketCreated, "2026-11-28T01:02:03+00:00", ticketstore.SourceWebhook
	if err := ticketstore.New(db, table).Put(ctx, webhookTicket); err != nil {
		t.Fatal(err)
	}

	counts, err := reconcile.Run(ctx, client, staleLookup{}, ticketstore.New(db, table), reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Stored != 0 || counts.AlreadyStored != 1 || counts.Failed != 0 {
		t.Errorf("counts = %+v, want the ticket counted as already stored", counts)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: ticketstore.ItemKey(sandbox.DefaultOrgID, info.Ticket.TicketID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ticketstore.FromItem(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != ticketstore.SourceWebhook || !got.ReceivedAt.Equal(webhookTicket.ReceivedAt) || got.EventTimestamp != webhookTicket.EventTimestamp {
		t.Errorf("item = %+v, want the webhook's item unchanged", got)
	}
}

// A ticket of a 1,024-member group (about 450 KB of ticket info, over
// DynamoDB's item limit) is stored by reconcile, compressed, and read back
// byte for byte.
func TestMotoStoresALargeGroupTicket(t *testing.T) {
	const table = "tickets"
	_, db := motoserver.StartWithTable(t, table)
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 100), &env); err != nil {
		t.Fatal(err)
	}
	api := newPeriskope(1)
	api.rawInfo = map[string][]byte{"T-0001": env.Data}
	ctx := context.Background()
	counts, err := reconcile.Run(ctx, api, ticketstore.NewLookup(db, table), ticketstore.New(db, table), reconcile.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Stored != 1 || counts.Failed != 0 {
		t.Fatalf("counts = %+v, want the ticket stored", counts)
	}
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: ticketstore.ItemKey(org, "T-0001"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item["data_gz"] == nil {
		t.Error("not stored in the compressed form")
	}
	got, err := ticketstore.FromItem(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, env.Data) || got.Source != ticketstore.SourceReconcile {
		t.Errorf("stored ticket: source %s, data equal %v", got.Source, bytes.Equal(got.Data, env.Data))
	}
}
