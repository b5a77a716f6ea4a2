package main

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestAnswersLikeHelloWithoutCalling proves the benchmarks' requests make no
// AWS call: with no clients at all, a request without callParam answers as
// bench/floor/hello does (a call would dereference a nil client).
func TestAnswersLikeHelloWithoutCalling(t *testing.T) {
	resp, err := clients{}.handle(context.Background(), events.APIGatewayV2HTTPRequest{Body: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Body != `{"hello":"world"}` || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("answer = %+v, want hello's", resp)
	}
}
