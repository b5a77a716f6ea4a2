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

// Config is the function's configuration. AWS settings (region,
// credentials, AWS_ENDPOINT_URL) are read separately by awsenv.
type Config struct {
	// SigningKeySecret is the Secrets Manager id or ARN of the signing key
	// secret: one key, or {"signing_keys": ["current", "previous"]}.
	SigningKeySecret string
	// TicketsTable is the DynamoDB table tickets are stored in.
	TicketsTable string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in the
// function) and checks every variable, so that a deployment mistake fails
// the init naming all the variables at fault rather than failing requests.
// The error joins one ErrConfig per variable.
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
