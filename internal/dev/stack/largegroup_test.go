package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Signed large-group deliveries, posted as Periskope posts them (JSON, so
// the event carries the body as escaped text), go through the local
// gateway to the real webhook bootstrap under the Runtime Interface
// Emulator and are stored in moto's table from template.yaml, data byte
// for byte. The 5 MB group's event is 5.4 MB, within Lambda's 6 MB invoke
// limit. Before, the function's 192 KiB cap answered 413 to all three.
func TestLargeGroupsThroughTheRealWebhook(t *testing.T) {
	st := startStack(t, stack.Config{NoWebhooks: true})
	db := dynamodb.NewFromConfig(st.Moto.Config())
	for _, tc := range []struct {
		name              string
		members, messages int
	}{
		{"450 members", 450, 20},
		{"1,024 members", samples.WhatsAppMaxGroupMembers, 100},
		{"5 MB", 11300, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := samples.LargeGroup(tc.members, tc.messages)
			status, resp := post(t, st.APIURL+"/webhooks/periskope", body, map[string]string{periskope.SignatureHeader: periskope.Sign(body, local.SigningKey)})
			if status != http.StatusOK || !strings.Contains(string(resp), `"stored"`) {
				t.Fatalf("%d-byte delivery = %d %s, want 200 stored", len(body), status, resp)
			}
			out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
				TableName: aws.String(local.Table), ConsistentRead: aws.Bool(true),
				Key: ticketstore.ItemKey(samples.LargeGroupOrgID, samples.LargeGroupTicketID(tc.members, tc.messages)),
			})
			if err != nil || out.Item == nil {
				t.Fatalf("no item: %v", err)
			}
			data, err := ticketstore.DataOf(out.Item)
			if err != nil {
				t.Fatal(err)
			}
			var env struct{ Data json.RawMessage }
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, env.Data) {
				t.Error("stored data is not the delivery's data member byte for byte")
			}
		})
	}
}
