package motoserver

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Start launches moto_server on a free 127.0.0.1 port for the test and stops
// it when the test ends. It fails the test, never skips it, when moto_server
// cannot run. Set MOTO_VERBOSE=1 to see moto's own output.
func Start(tb testing.TB) *Server {
	tb.Helper()
	var logw *os.File
	if os.Getenv("MOTO_VERBOSE") != "" {
		logw = os.Stderr
	}
	var s *Server
	var err error
	for range 3 { // a free port can be taken between probe and bind
		if s, err = Launch(context.Background(), "127.0.0.1:0", logw); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("cannot run moto_server: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// StartWithTable starts moto_server as Start does and creates a tickets
// table called table on it (CreateTable); it returns a client for it too.
func StartWithTable(tb testing.TB, table string) (*Server, *dynamodb.Client) {
	tb.Helper()
	s := Start(tb)
	db := dynamodb.NewFromConfig(s.Config())
	if err := CreateTable(context.Background(), db, table); err != nil {
		tb.Fatal(err)
	}
	return s, db
}

// IndexPKs returns the pk of every item that index of table lists under
// name = value (one Query): what the index holds, seen without the
// product's own readers.
func IndexPKs(tb testing.TB, db *dynamodb.Client, table, index, name, value string) []string {
	tb.Helper()
	out, err := db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#k = :v"),
		ExpressionAttributeNames:  map[string]string{"#k": name},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: value}},
	})
	if err != nil {
		tb.Fatalf("Query %s: %v", index, err)
	}
	var pks []string
	for _, item := range out.Items {
		if pk, ok := item["pk"].(*types.AttributeValueMemberS); ok {
			pks = append(pks, pk.Value)
		}
	}
	return pks
}
