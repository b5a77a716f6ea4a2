package sandbox_test

import (
	"context"
	"fmt"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Point the Periskope client at a sandbox, as a test would.
func ExampleListen() {
	srv, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{}) // WebhookURL: where ticket.created goes
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	client, err := periskope.New(
		periskope.WithBaseURL(srv.BaseURL()),
		periskope.WithAPIKey(local.APIKey),
		periskope.WithPhone("919876543210"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := client.CreateTicket(context.Background(), periskope.CreateTicketRequest{
		ChatID: "919537851844@c.us", Subject: "Broken tap", Priority: periskope.PriorityHigh,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Ticket.TicketID, info.Ticket.Status, info.Ticket.Priority, srv.Stats().TicketsCreated)
	// Output: LOC-001 open 3 1
}
