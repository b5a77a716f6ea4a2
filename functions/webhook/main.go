// Command webhook is the webhook Lambda function (POST /webhooks/periskope):
// it verifies Periskope's deliveries and stores each ticket.created once.
// The logic lives in internal/webhook; this file only wires it.
//
// Build for Lambda (provided.al2023, binary named bootstrap):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./functions/webhook
//
// Environment: PERISKOPE_SIGNING_KEY_SECRET, TICKETS_TABLE (see
// webhook.ConfigFromEnv), the region and credentials Lambda sets, and
// AWS_ENDPOINT_URL for local emulators only.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

func main() {
	logger := lambdacontext.NewLogger()
	h, err := newHandler(os.Getenv, logger)
	if err != nil {
		// Exiting fails the init phase: Lambda reports Runtime.ExitError and
		// this line says which variable to fix.
		logger.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// newHandler builds the handler from the environment read through getenv.
// Clients and the signing key cache are built once per container; the key
// is fetched on the first request, not at init. The cache logs and counts
// its failed reads in the function's log and metrics.
func newHandler(getenv func(string) string, logger *slog.Logger) (*webhook.Handler, error) {
	cfg, err := webhook.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsenv.FromLookup(getenv)
	if err != nil {
		return nil, err
	}
	metrics := emf.New(os.Stdout, "webhook")
	h := webhook.New(awsCfg, cfg, secretcache.WithLogger(logger), secretcache.WithMetrics(metrics))
	h.Logger = logger
	h.Metrics = metrics
	return h, nil
}
