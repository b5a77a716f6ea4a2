// Command create-ticket-loaddefault is functions/create-ticket wired the
// common way, with the SDK's config.LoadDefaultConfig instead of
// internal/awsenv. It exists only so that `make bench` can show what that
// loader costs in binary size and cold start; it is never deployed.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/emf"
)

func main() {
	logger := lambdacontext.NewLogger()
	h, err := newHandler(logger)
	if err != nil {
		logger.Error("create-ticket init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func newHandler(logger *slog.Logger) (*createticket.Handler, error) {
	cfg, err := createticket.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	// The one difference from the real function.
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, err
	}
	return createticket.New(awsCfg, cfg, logger, emf.New(os.Stdout, "create-ticket"))
}
