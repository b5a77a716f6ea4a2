package createticket

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

// New returns the function's handler over AWS for cfg, as ConfigFromEnv
// checked it. Build it once per container; it makes no network call.
func New(awsCfg aws.Config, cfg Config, logger *slog.Logger, metrics emf.Metrics) (*Handler, error) {
	keys := NewSecretKeys(secretsmanager.NewFromConfig(awsCfg), cfg.APIKeySecret,
		secretcache.WithLogger(logger), secretcache.WithMetrics(metrics))
	client, err := newPeriskopeClient(cfg, keys, nil)
	if err != nil {
		return nil, err
	}
	return NewHandler(Deps{
		Tickets:     client,
		Keys:        keys,
		Idempotency: idempotency.New(dynamodb.NewFromConfig(awsCfg), cfg.TicketsTable),
		Logger:      logger,
		Metrics:     metrics,
	}), nil
}
