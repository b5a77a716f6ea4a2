// Command sdk is the SDK floor of the cold-start and binary-size benchmarks:
// bench/floor/hello plus the functions' aws.Config (internal/awsenv) and
// DynamoDB and Secrets Manager clients, built in main as the functions do.
// PutItem and GetSecretValue are behind a query parameter the benchmarks
// never send, so the linker keeps what the functions keep while no measured
// request makes a call. Built in this module, it has the product's SDK
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

// callParam, "put-item" or "get-secret-value", makes a request call AWS.
const callParam = "call"

type clients struct {
	db      *dynamodb.Client
	secrets *secretsmanager.Client
}

func (c clients) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var err error
	switch req.QueryStringParameters[callParam] {
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
