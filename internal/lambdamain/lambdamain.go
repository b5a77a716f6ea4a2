// Package lambdamain is the main of both functions: build the handler from
// the environment once per container, then serve invocations. A function's
// own main package keeps only its newHandler, the seam its tests call.
package lambdamain

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler answers one API Gateway HTTP API request.
type Handler interface {
	Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

// Start builds the handler and serves invocations with it. When
// newHandler fails the process exits: failing the init with a line naming
// the variables at fault is better than failing every request.
func Start[H Handler](newHandler func(getenv func(string) string, logger *slog.Logger) (H, error)) {
	logger := lambdacontext.NewLogger()
	h, err := newHandler(os.Getenv, logger)
	if err != nil {
		logger.LogAttrs(context.Background(), slog.LevelError, "init failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
