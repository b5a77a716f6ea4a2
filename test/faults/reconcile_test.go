package faults

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// TestReconcileAfterPeriskopeGivesUp: moto_server is stopped while the
// sandbox creates 20 tickets and gives up redelivering their webhooks (the
// real webhook bootstrap answers 503 each time). moto_server comes back
// empty, the webhook stores new tickets again, and the 20 are missing.
// reconcile, reading the API key from Secrets Manager as the command does,
// stores exactly those 20 and leaves the webhook's items as they were; a
// second run stores nothing.
func TestReconcileAfterPeriskopeGivesUp(t *testing.T) {
	moto := startMoto(t)
	var logs testkit.Buffer
	rec := &recorder{phase: "up"}
	webhookURL := webhookAPI(t, moto, &logs, rec, 8)
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{
		OrgPhone:   local.Phone,
		WebhookURL: webhookURL,
		Delivery:   sandbox.DeliveryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 200 * time.Millisecond},
		// Each 503 takes the function about 2s (the SDK retrying a refused
		// endpoint); queued deliveries must not time out before it.
		HTTPClient: &http.Client{Timeout: 40 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	moto.Stop()
	rec.setPhase("down")
	const lost = 20
	if err := sb.InjectFault(sandbox.Fault{Kind: sandbox.FaultDropDelivery, Count: lost, Attempts: 2}); err != nil {
		t.Fatal(err)
	}
	lostIDs := map[string]bool{}
	for i := range lost {
		lostIDs[sandboxCreate(t, sb, fmt.Sprintf("during the outage %d", i))] = true
	}
	if err := sb.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	if st := sb.Stats(); st.DeliveriesDropped != lost || st.DeliveriesSucceeded != 0 || st.DeliveriesAttempted != 2*lost {
		t.Fatalf("sandbox stats %+v: want %d deliveries given up after 2 attempts each", st, lost)
	}
	for _, a := range rec.all() {
		if a.status != 503 {
			t.Errorf("answer while moto_server was down: %+v, want 503", a)
		}
	}

	rec.setPhase("back")
	back, err := motoserver.Launch(ctx, moto.Addr, nil)
	if err != nil {
		t.Fatalf("restarting moto_server on %s: %v", moto.Addr, err)
	}
	t.Cleanup(back.Stop)
	if err := back.ProvisionLocal(ctx); err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(back.Config())
	if n := countItems(t, db); n != 0 {
		t.Fatalf("the table holds %d items after the restart, want none of the %d", n, lost)
	}
	// Meanwhile the webhook works again and stores new tickets itself, once
	// its warm bootstraps stop remembering their failed key reads (a failed
	// read is answered from the cache for secretcache.DefaultFailureTTL,
	// longer than the sandbox's five quick attempts last).
	time.Sleep(secretcache.DefaultFailureTTL)
	const meanwhile = 5
	webhookItems := map[string]*ticketstore.Ticket{}
	for i := range meanwhile {
		id := sandboxCreate(t, sb, fmt.Sprintf("after the outage %d", i))
		if err := sb.WaitDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		webhookItems[id] = getItem(t, db, id)
	}

	run := func() reconcile.Counts {
		keys := createticket.NewSecretKeys(secretsmanager.NewFromConfig(back.Config()), local.APIKeySecret)
		tr := &reconcile.Transport{Limiter: reconcile.NewLimiter(reconcile.DefaultRate, reconcile.DefaultReserve)}
		client, err := periskope.New(periskope.WithBaseURL(sb.BaseURL()), periskope.WithKeyProvider(keys),
			periskope.WithPhone(local.Phone), periskope.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		counts, err := reconcile.Run(ctx, client, ticketstore.NewLookup(db, local.Table),
			ticketstore.New(db, local.Table), reconcile.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return counts
	}
	if got, want := run(), (reconcile.Counts{Seen: lost + meanwhile, AlreadyStored: meanwhile, Stored: lost, Total: lost + meanwhile}); got != want {
		t.Errorf("first run: %+v, want %+v", got, want)
	}
	if n := countItems(t, db); n != lost+meanwhile {
		t.Errorf("the table holds %d items, want %d: no duplicates", n, lost+meanwhile)
	}
	for id := range lostIDs {
		if item := getItem(t, db, id); item.Source != ticketstore.SourceReconcile || item.Event != ticketstore.EventTicketCreated {
			t.Errorf("lost ticket %s stored as %+v, want source reconcile", id, item)
		}
	}
	for id, before := range webhookItems {
		after := getItem(t, db, id)
		if after.Source != ticketstore.SourceWebhook || !after.ReceivedAt.Equal(before.ReceivedAt) || string(after.Data) != string(before.Data) {
			t.Errorf("webhook item %s changed: %+v, was %+v", id, after, before)
		}
	}
	if got := run(); got.Stored != 0 || got.AlreadyStored != lost+meanwhile || got.Failed != 0 {
		t.Errorf("second run: %+v, want nothing stored", got)
	}
}

func countItems(t *testing.T, db *dynamodb.Client) int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(local.Table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func getItem(t *testing.T, db *dynamodb.Client, ticketID string) *ticketstore.Ticket {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(local.Table),
		Key: ticketstore.ItemKey(sandbox.DefaultOrgID, ticketID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatalf("ticket %s is not in the table", ticketID)
	}
	tk, err := ticketstore.FromItem(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
