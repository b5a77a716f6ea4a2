// Command putitem is the floor of the warm-request benchmark: only what a
// webhook delivery exists for, one conditional PutItem of its ticket item
// into TICKETS_TABLE, and 200. It neither verifies nor parses: the gateway's
// request id is the ticket id, so each request writes a new item of the
// webhook's size.
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

type putter struct {
	db    *dynamodb.Client
	table string
}

func (p putter) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	t := floorTicket(req.RequestContext.RequestID, []byte(req.Body), time.Now())
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

// floorTicket has the fields of the delivery the benchmark sends (benchkit's
// fixture) as the webhook stores them, and the whole body as its data where
// the webhook stores the data member: the floor's item is ~200 bytes larger.
func floorTicket(ticketID string, data []byte, received time.Time) *ticketstore.Ticket {
	return &ticketstore.Ticket{OrgID: "floor-org", TicketID: ticketID, ChatID: "919X836X025X090@Xc.us",
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
	p := putter{db: dynamodb.NewFromConfig(cfg), table: table}
	lambda.Start(p.handle)
}
