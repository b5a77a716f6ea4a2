// Command putitem is the floor of the warm-request benchmark: a function
// behind the same local gateway and Runtime Interface Emulator as the
// webhook that does only the one thing a webhook delivery exists for, one
// conditional PutItem of the ticket item, and answers 200. It does not
// verify or parse the delivery: the item is internal/ticketstore's, with the
// request's body as its data and the gateway's request id as its ticket id,
// so each request writes a new item of the webhook's size.
//
// Environment: TICKETS_TABLE (as the webhook's), the region and credentials,
// and AWS_ENDPOINT_URL for the local moto_server.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// Org is the organisation of the items the floor writes.
const Org = "floor-org"

// putter writes the floor's items to one table.
type putter struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

func (p putter) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	t := FloorTicket(req.RequestContext.RequestID, []byte(req.Body), p.now())
	_, err := p.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(p.table),
		Item:                t.Item(),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 503, Body: `{"error":"put failed"}`}, nil
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"status":"stored"}`,
	}, nil
}

// FloorTicket is the ticket the floor stores for one request: the fields of
// the sample delivery the benchmark sends (bench/benchkit's fixture), as the
// webhook would store them. data is the whole body, where the webhook
// stores the body's data member: the floor's item is ~200 bytes larger.
func FloorTicket(ticketID string, data []byte, received time.Time) *ticketstore.Ticket {
	return &ticketstore.Ticket{OrgID: Org, TicketID: ticketID, ChatID: "919X836X025X090@Xc.us",
		Subject: "Sample Ticket Subject", Status: "open", Priority: 2, CreatedAt: "2024-05-24T08:30:00+00:00",
		ReceivedAt: received, Event: "ticket.created", EventTimestamp: "2024-05-24T08:30:00.123456+00:00",
		Data: data, Source: ticketstore.SourceWebhook}
}

func main() {
	cfg, err := awsenv.Config()
	if err != nil {
		log.Fatal(err)
	}
	table := os.Getenv("TICKETS_TABLE")
	if table == "" {
		log.Fatal("TICKETS_TABLE is not set")
	}
	p := putter{db: dynamodb.NewFromConfig(cfg), table: table, now: time.Now}
	lambda.Start(p.handle)
}
