package webhook

import (
	"errors"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

// Environment variables read by ConfigFromEnv (docs/contract.md).
const (
	EnvSigningKeySecret = "PERISKOPE_SIGNING_KEY_SECRET"
	EnvTicketsTable     = "TICKETS_TABLE"
)

// ErrConfig is wrapped by every configuration error; the message names the
// variable at fault.
var ErrConfig = errors.New("webhook: configuration")

// Config is the function's configuration, one field per Env variable
// (AWS settings are awsenv's).
type Config struct {
	SigningKeySecret string
	TicketsTable     string
}

// ConfigFromEnv reads and checks the configuration through getenv, so that
// a deployment mistake fails the init naming every variable at fault.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		SigningKeySecret: text.Getenv(getenv, EnvSigningKeySecret),
		TicketsTable:     text.Getenv(getenv, EnvTicketsTable),
	}
	err := text.CheckEnv(ErrConfig,
		text.EnvVar{Name: EnvSigningKeySecret, Value: cfg.SigningKeySecret, Check: text.CheckSecretID},
		text.EnvVar{Name: EnvTicketsTable, Value: cfg.TicketsTable, Check: text.CheckTable},
	)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}
