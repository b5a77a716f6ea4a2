package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func post(t *testing.T, url string, body []byte, headers map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// ticketKeys lists the pk of every ticket item in the table.
func ticketKeys(t *testing.T, db *dynamodb.Client) []string {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(local.Table)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, item := range out.Items {
		if pk, ok := item["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "TICKET#") {
			keys = append(keys, pk.Value)
		}
	}
	return keys
}

// The whole product, started as `make run` starts it: POST /tickets goes
// through the gateway to the real create-ticket binary, which calls the
// sandbox; the sandbox's signed ticket.created reaches the real webhook
// binary through the gateway, which stores the ticket in moto's DynamoDB.
func TestEndToEnd(t *testing.T) {
	logs := &testkit.Buffer{}
	ctx := context.Background()
	logDir := t.TempDir()
	st, err := stack.Start(ctx, stack.Config{Output: logs, BinDir: binDir, SkipBuild: true, LogDir: logDir})
	if err != nil {
		t.Fatalf("starting the local system: %v\n%s", err, logs)
	}
	closed := false
	defer func() {
		if !closed {
			_ = st.Close()
		}
		if t.Failed() {
			t.Logf("local system output:\n%s", logs)
		}
	}()
	pids := st.PIDs()
	if len(pids) != 3 { // moto_server and one emulator per function, no bootstrap before a request
		t.Errorf("PIDs() = %v, want moto_server and two functions", pids)
	}

	// 1. Create a ticket through the API.
	status, body := post(t, st.APIURL+"/tickets", []byte(`{"chat_id":"919537851844@c.us","subject":"Leaking tap","priority":3}`), nil)
	if status != http.StatusCreated {
		t.Fatalf("POST /tickets = %d %s, want 201", status, body)
	}
	var created periskope.TicketInfo
	if err := json.Unmarshal(body, &created); err != nil || created.Ticket == nil || created.Ticket.TicketID == "" {
		t.Fatalf("POST /tickets answered %s (%v), want a ticket info object", body, err)
	}
	ticketID, orgID := created.Ticket.TicketID, created.Ticket.OrgID
	if orgID != sandbox.DefaultOrgID || created.Ticket.Subject != "Leaking tap" {
		t.Errorf("created ticket %+v", created.Ticket)
	}

	// 2. The sandbox's signed webhook stores it in DynamoDB.
	db := dynamodb.NewFromConfig(st.Moto.Config())
	key := "TICKET#" + orgID + "#" + ticketID
	item := waitForItem(t, db, key)
	for attr, want := range map[string]string{"ticket_id": ticketID, "org_id": orgID, "subject": "Leaking tap", "chat_id": "919537851844@c.us"} {
		if got, ok := item[attr].(*types.AttributeValueMemberS); !ok || got.Value != want {
			t.Errorf("item %s = %v, want %q", attr, item[attr], want)
		}
	}
	if stats := st.Sandbox.Stats(); stats.TicketsCreated != 1 || stats.DeliveriesSucceeded != 1 || stats.DeliveriesFailed != 0 {
		t.Errorf("sandbox stats = %+v, want one ticket delivered once", stats)
	}

	// 3. A redelivery of the same signed event is acknowledged, not stored twice.
	event := []byte(`{"event":"ticket.created","org_id":"` + orgID + `","previous_attributes":{},"timestamp":"2026-11-22T03:02:25.123456+00:00","data":` + string(body) + `}`)
	sig := periskope.Sign(event, local.SigningKey)
	if status, resp := post(t, st.APIURL+"/webhooks/periskope", event, map[string]string{periskope.SignatureHeader: sig}); status != http.StatusOK || !strings.Contains(string(resp), `"duplicate"`) {
		t.Errorf("redelivery = %d %s, want 200 duplicate", status, resp)
	}

	// 4. A tampered delivery (signature of another body) is refused and stores nothing.
	tampered := bytes.Replace(event, []byte(ticketID), []byte("LOC-999"), -1)
	if status, resp := post(t, st.APIURL+"/webhooks/periskope", tampered, map[string]string{periskope.SignatureHeader: sig}); status != http.StatusUnauthorized {
		t.Errorf("tampered delivery = %d %s, want 401", status, resp)
	}
	if keys := ticketKeys(t, db); len(keys) != 1 || keys[0] != key {
		t.Errorf("tickets in the table = %v, want only %s", keys, key)
	}

	// 5. The log files hold each function's EMF lines and the access log,
	// which logmetrics counts as CloudWatch would.
	checkLogFiles(t, logDir)

	// 6. Shutdown leaves no process behind, bootstraps included.
	pids = st.PIDs()
	if len(pids) < 5 {
		t.Errorf("PIDs() = %v, want moto_server, the emulators and their bootstraps", pids)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d is still running after Close", pid)
		}
	}
}

func waitForItem(t *testing.T, db *dynamodb.Client, key string) map[string]types.AttributeValue {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(local.Table),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item != nil {
			return out.Item
		}
		if time.Now().After(deadline) {
			t.Fatalf("no item %s in %s: the webhook did not store the ticket", key, local.Table)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPortInUseIsAClearError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	for name, cfg := range map[string]stack.Config{
		"api":     {APIPort: port, BinDir: binDir, SkipBuild: true},
		"sandbox": {SandboxPort: port, BinDir: binDir, SkipBuild: true},
		"moto":    {MotoPort: port, BinDir: binDir, SkipBuild: true},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Output = io.Discard
			st, err := stack.Start(context.Background(), cfg)
			if err == nil {
				st.Close()
				t.Fatal("Start succeeded on a busy port")
			}
			if !errors.Is(err, stack.ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
				t.Errorf("error %q, want ErrPortInUse naming port %d", err, port)
			}
		})
	}
}

// checkLogFiles reads the run's log files as CloudWatch would (logmetrics) and
// finds the webhook outcomes and the requests of the test above.
func checkLogFiles(t *testing.T, logDir string) {
	t.Helper()
	// The lines of the last response may still be on their way to the file.
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := logmetrics.ReadDir(logDir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, name := range []string{"Stored", "Duplicate", "SignatureRejected"} {
			got[name], _ = data.Sum(dashboard.Metric{Namespace: emf.Namespace, Name: name,
				Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("webhook")}, {Name: "FunctionName", Value: dashboard.Ref(stack.WebhookFunction)}}})
		}
		got["requests"], _ = data.Sum(dashboard.Metric{Namespace: "AWS/ApiGateway", Name: "Count",
			Dims: []dashboard.Dim{{Name: "Method", Value: dashboard.Lit("POST")}, {Name: "Resource", Value: dashboard.Lit("/webhooks/periskope")}}})
		want := map[string]float64{"Stored": 1, "Duplicate": 1, "SignatureRejected": 1, "requests": 3}
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts from the log files in %s = %v, want %v", logDir, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
