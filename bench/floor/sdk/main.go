// Command sdk is the SDK floor of the cold-start and binary-size benchmarks:
// bench/floor/hello plus the AWS SDK clients the functions build. It makes
// its aws.Config with internal/awsenv and builds a DynamoDB and a Secrets
// Manager client in main, as the functions do, and links PutItem and
// GetSecretValue behind a query parameter the benchmarks never send, so the
// linker keeps what the functions keep while no call is made at init or by
// the measured requests. Built in this module, it has the product's SDK
// versions: its ratio to hello is what the SDK costs, and each function's
// ratio to it is what the project's own code costs.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
)

// CallParam is the query parameter that makes a request call AWS: "put-item"
// or "get-secret-value". The benchmarks never send it; it exists so that the
// two calls stay reachable and linked.
const CallParam = "call"

// clients are the two SDK clients of the functions.
type clients struct {
	db      *dynamodb.Client
	secrets *secretsmanager.Client
}

func (c clients) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var err error
	switch req.QueryStringParameters[CallParam] {
	case "put-item":
		_, err = c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(req.QueryStringParameters["table"]),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: req.RequestContext.RequestID}}})
	case "get-secret-value":
		_, err = c.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.QueryStringParameters["secret"])})
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 503, Body: `{"error":"call failed"}`}, nil
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"hello":"world"}`,
	}, nil
}

func main() {
	cfg, err := awsenv.Config()
	if err != nil {
		log.Fatal(err)
	}
	c := clients{db: dynamodb.NewFromConfig(cfg), secrets: secretsmanager.NewFromConfig(cfg)}
	lambda.Start(c.handle)
}
