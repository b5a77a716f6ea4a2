// Command webhook is the Lambda function behind POST /webhooks/periskope: it
// verifies Periskope's deliveries with the signing keys from Secrets Manager
// and stores each ticket.created once in DynamoDB (see package webhook). It
// only wires.
// `make build` builds it for Lambda with the release flags (deploy/deploy.mk).
package main

import (
	"log/slog"
	"os"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/lambdamain"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

func main() { lambdamain.Start(newHandler) }

func newHandler(getenv func(string) string, logger *slog.Logger) (*webhook.Handler, error) {
	cfg, err := webhook.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsenv.FromLookup(getenv)
	if err != nil {
		return nil, err
	}
	return webhook.New(awsCfg, cfg, logger, emf.New(os.Stdout, "webhook")), nil
}
