package webhook_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// staticKeys is a fixed set of signing keys (in the function: a
// secretcache.Cache over Secrets Manager, see New).
type staticKeys []string

func (k staticKeys) Get(context.Context) ([]string, error)     { return k, nil }
func (k staticKeys) Refresh(context.Context) ([]string, error) { return k, nil }

// memoryStore keeps tickets in a map (in the function: ticketstore.New over
// DynamoDB).
type memoryStore map[string]*ticketstore.Ticket

func (m memoryStore) Put(_ context.Context, t *ticketstore.Ticket) error {
	key := ticketstore.Key(t.OrgID, t.TicketID)
	if _, ok := m[key]; ok {
		return ticketstore.ErrDuplicate
	}
	m[key] = t
	return nil
}

func ExampleHandler() {
	h := webhook.NewHandler(webhook.Deps{
		Keys:  staticKeys{"local-signing-key"},
		Store: memoryStore{},
		// In the function (webhook.New): Metrics: emf.New(os.Stdout,
		// "webhook") and Logger: lambdacontext.NewLogger().
	})
	body := `{"event":"ticket.created","org_id":"org-1","data":{"ticket":{"ticket_id":"BKT-001","subject":"Refund"}}}`
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /webhooks/periskope",
		Headers:  map[string]string{"x-periskope-signature": periskope.Sign([]byte(body), "local-signing-key")},
		Body:     body,
	}
	for range 2 { // Periskope delivers twice: stored once
		resp, _ := h.Handle(context.Background(), req)
		fmt.Println(resp.StatusCode, resp.Body)
	}
	req.Headers["x-periskope-signature"] = periskope.Sign([]byte(body), "someone else's key")
	resp, _ := h.Handle(context.Background(), req)
	fmt.Println(resp.StatusCode, resp.Body)
	// Output:
	// 200 {"status":"stored","ticket_id":"BKT-001"}
	// 200 {"status":"duplicate","ticket_id":"BKT-001"}
	// 401 {"error":{"code":"invalid_signature","message":"the x-periskope-signature header does not match the body"}}
}
