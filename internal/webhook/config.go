package webhook

import (
	"errors"
	"fmt"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/awsnames"
)

// Environment variables of the webhook function (docs/contract.md).
const (
	EnvSigningKeySecret = "PERISKOPE_SIGNING_KEY_SECRET"
	EnvTicketsTable     = "TICKETS_TABLE"
)

// ErrConfig is wrapped by every ConfigFromEnv error; the message names the
// variable at fault.
var ErrConfig = errors.New("webhook: configuration")

// Config is what the function reads from its environment. AWS settings
// (region, credentials, AWS_ENDPOINT_URL) are read separately by awsenv.
type Config struct {
	// SigningKeySecret is the Secrets Manager id or ARN of the signing key
	// secret: one key, or {"signing_keys": ["current", "previous"]}.
	SigningKeySecret string
	// TicketsTable is the DynamoDB table tickets are stored in.
	TicketsTable string
}

// ConfigFromEnv reads Config through getenv (os.Getenv in the function).
// A missing or malformed variable is an error naming it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		SigningKeySecret: getenv(EnvSigningKeySecret),
		TicketsTable:     getenv(EnvTicketsTable),
	}
	var errs []error
	if err := check(EnvSigningKeySecret, cfg.SigningKeySecret, awsnames.CheckSecretID); err != nil {
		errs = append(errs, err)
	}
	if err := check(EnvTicketsTable, cfg.TicketsTable, awsnames.CheckTable); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

func check(name, value string, valid func(string) error) error {
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%w: %s is not set", ErrConfig, name)
	}
	if err := valid(value); err != nil {
		// The value is not echoed: it is not secret, but a mistyped
		// variable sometimes holds the secret itself.
		return fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
	}
	return nil
}
