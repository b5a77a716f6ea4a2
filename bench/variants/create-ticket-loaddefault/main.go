// Command create-ticket-loaddefault is functions/create-ticket wired the
// common way, with the SDK's config.LoadDefaultConfig instead of
// internal/awsenv, so that `make bench` shows what that loader costs in
// binary size and cold start. It is never deployed.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/lambdamain"
)

func main() { lambdamain.Start(newHandler) }

func newHandler(getenv func(string) string, logger *slog.Logger) (*createticket.Handler, error) {
	cfg, err := createticket.ConfigFromEnv(getenv)
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
