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

// New returns the function's handler over AWS: the API key read from the
// secret cfg.APIKeySecret through a per-container cache, Periskope called
// at cfg.BaseURL, idempotency records in cfg.TicketsTable. Failed reads of the
// secret are logged to logger and counted in metrics. Build it once per
// container (at init); it makes no network call. cfg is ConfigFromEnv's,
// which checked it.
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
