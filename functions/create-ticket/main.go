// Command create-ticket is the Lambda function behind POST /tickets: it
// validates the request and creates a Periskope ticket with the API key
// from Secrets Manager, optionally idempotent through DynamoDB (see package
// createticket). It only wires.
// `make build` builds it for Lambda with the release flags (deploy/deploy.mk).
package main

import (
	"log/slog"
	"os"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
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
	awsCfg, err := awsenv.FromLookup(getenv)
	if err != nil {
		return nil, err
	}
	return createticket.New(awsCfg, cfg, logger, emf.New(os.Stdout, "create-ticket"))
}
