package webhook

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Environment variables of the webhook function (design.md).
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

// tableName is DynamoDB's rule for table names.
var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// secretID accepts a secret name (letters, digits, /_+=.@-) or an ARN
// (which adds ':'); length is checked apart, regexp repeats stop at 1000.
var secretID = regexp.MustCompile(`^[a-zA-Z0-9/_+=.@:-]+$`)

const maxSecretIDBytes = 2048

// ConfigFromEnv reads Config through getenv (os.Getenv in the function).
// A missing or malformed variable is an error naming it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		SigningKeySecret: getenv(EnvSigningKeySecret),
		TicketsTable:     getenv(EnvTicketsTable),
	}
	var errs []error
	if err := check(EnvSigningKeySecret, cfg.SigningKeySecret, secretID, "a Secrets Manager secret name or ARN"); err != nil {
		errs = append(errs, err)
	}
	if err := check(EnvTicketsTable, cfg.TicketsTable, tableName, "a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

func check(name, value string, valid *regexp.Regexp, what string) error {
	switch {
	case strings.TrimSpace(value) == "":
		return fmt.Errorf("%w: %s is not set", ErrConfig, name)
	case !valid.MatchString(value) || len(value) > maxSecretIDBytes:
		// The value is not echoed: it is not secret, but a mistyped
		// variable sometimes holds the secret itself.
		return fmt.Errorf("%w: %s is not %s", ErrConfig, name, what)
	}
	return nil
}
