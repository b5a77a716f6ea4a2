package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

func ticketID(t *testing.T, body []byte) string {
	t.Helper()
	var info struct {
		Ticket struct {
			TicketID string `json:"ticket_id"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.Ticket.TicketID == "" {
		t.Fatalf("no ticket id in %s (%v)", body, err)
	}
	return info.Ticket.TicketID
}

// TestWebhookWhileMotoIsDown stops moto_server while the sandbox delivers
// ticket.created events: the webhook answers 503 while DynamoDB is gone,
// and once moto_server is back on the same port (re-provisioned: it keeps
// no state) the sandbox's redeliveries store every ticket exactly once.
func TestWebhookWhileMotoIsDown(t *testing.T) {
	moto := startMoto(t)
	var logs testkit.Buffer
	rec := &recorder{phase: "up"}
	webhookURL := webhookAPI(t, moto, &logs, rec, 2)
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{
		OrgPhone:   local.Phone,
		WebhookURL: webhookURL,
		// Enough attempts to outlast a moto_server restart.
		Delivery: sandbox.DeliveryPolicy{MaxAttempts: 40, BaseDelay: 200 * time.Millisecond, MaxDelay: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()

	// Warm: the function has its signing key cached before the outage.
	sandboxCreate(t, sb, "before the outage")
	if err := sb.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}

	moto.Stop()
	rec.setPhase("down")
	const n = 4
	var ids []string
	for i := range n {
		ids = append(ids, sandboxCreate(t, sb, fmt.Sprintf("during the outage %d", i)))
	}
	waitFor(t, 20*time.Second, "a 503 for each delivery", func() bool {
		count := 0
		for _, a := range rec.all() {
			if a.phase == "down" && a.status == 503 {
				count++
			}
		}
		return count >= n
	})

	rec.setPhase("restarting") // answers from now on may succeed
	// Same port, fresh state: provision again before the redeliveries
	// can succeed.
	back, err := motoserver.Launch(ctx, moto.Addr, nil)
	if err != nil {
		t.Fatalf("restarting moto_server on %s: %v", moto.Addr, err)
	}
	t.Cleanup(back.Stop)
	if err := back.ProvisionLocal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitDeliveries(ctx); err != nil {
		t.Fatalf("deliveries still pending: %v (stats %+v)", err, sb.Stats())
	}

	if st := sb.Stats(); st.DeliveriesFailed != 0 || st.DeliveriesSucceeded != n+1 {
		t.Errorf("sandbox stats %+v: want %d deliveries succeeded, none failed", st, n+1)
	}
	stored := map[string]int{}
	for _, a := range rec.all() {
		if a.phase == "down" && a.status != 503 {
			t.Errorf("answer while moto_server was down: %d %s, want 503", a.status, a.body)
		}
		if a.status >= 500 && a.status != 503 {
			t.Errorf("answer %d %s: only 503 tells Periskope to redeliver", a.status, a.body)
		}
		if a.status == 200 && strings.Contains(a.body, `"stored"`) {
			var b struct {
				TicketID string `json:"ticket_id"`
			}
			_ = json.Unmarshal([]byte(a.body), &b)
			stored[b.TicketID]++
		}
	}
	db := dynamodb.NewFromConfig(back.Config())
	for _, id := range ids {
		if stored[id] != 1 {
			t.Errorf("ticket %s answered stored %d times, want once", id, stored[id])
		}
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(local.Table),
			Key: ticketstore.ItemKey(sandbox.DefaultOrgID, id), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Errorf("ticket %s not in the table after moto_server came back (%v)", id, err)
		}
	}
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(local.Table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Count != n {
		t.Errorf("table holds %d items after the restart, want exactly the %d tickets delivered since", scan.Count, n)
	}
	assertOutageLogged(t, logs.String())
}

// assertOutageLogged checks the webhook's log lines of its 503s: each names
// the dependency that failed and its AWS error code. The environment warmed
// up before the outage fails on DynamoDB; a second one started during it
// cannot read the signing key and names Secrets Manager, and which of them
// the gateway picks is not fixed.
func assertOutageLogged(t *testing.T, logs string) {
	t.Helper()
	unavailable := 0
	for _, line := range strings.Split(logs, "\n") {
		_, js, ok := strings.Cut(line, "] ")
		if !ok || !strings.Contains(js, `"outcome":"dependency_unavailable"`) {
			continue
		}
		var l struct {
			Dependency string `json:"dependency"`
			AWSError   string `json:"aws_error"`
		}
		if err := json.Unmarshal([]byte(js), &l); err != nil {
			t.Errorf("log line is not JSON: %s", js)
			continue
		}
		unavailable++
		if (l.Dependency != "dynamodb" && l.Dependency != "secretsmanager") || l.AWSError == "" {
			t.Errorf("503 log line names dependency %q, AWS error %q; want dynamodb or secretsmanager and a code: %s", l.Dependency, l.AWSError, js)
		}
	}
	if unavailable == 0 {
		t.Errorf("no 503 log line during the outage:\n%s", logs)
	}
}
