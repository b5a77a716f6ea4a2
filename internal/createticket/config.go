package createticket

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Environment variables read by ConfigFromEnv (docs/contract.md).
const (
	EnvBaseURL      = "PERISKOPE_BASE_URL"
	EnvPhone        = "PERISKOPE_PHONE"
	EnvAPIKeySecret = "PERISKOPE_API_KEY_SECRET"
	EnvTicketsTable = "TICKETS_TABLE"
	// EnvPlainHTTPHost names the one non-loopback host PERISKOPE_BASE_URL
	// may reach over plain http: a sandbox on the developer's machine seen
	// from a sam local container. template.yaml pins it to "", so a
	// deployed function never sends the API key in clear text.
	EnvPlainHTTPHost = "PERISKOPE_PLAIN_HTTP_HOST"
)

// DockerHostName is the name a container gives the Docker host (with
// --add-host host.docker.internal:host-gateway on Linux).
const DockerHostName = "host.docker.internal"

// ErrConfig is wrapped by every configuration error; the message names the
// variable at fault.
var ErrConfig = errors.New("createticket: configuration")

// Config is the function's configuration, one field per Env variable
// (AWS settings are awsenv's).
type Config struct {
	BaseURL       string
	Phone         string
	APIKeySecret  string
	TicketsTable  string
	PlainHTTPHost string
}

// ConfigFromEnv reads and checks the configuration through getenv, so that
// a deployment mistake fails the init naming every variable at fault.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		BaseURL:       cmp.Or(text.Getenv(getenv, EnvBaseURL), periskope.DefaultBaseURL),
		Phone:         text.Getenv(getenv, EnvPhone),
		APIKeySecret:  text.Getenv(getenv, EnvAPIKeySecret),
		TicketsTable:  text.Getenv(getenv, EnvTicketsTable),
		PlainHTTPHost: text.Getenv(getenv, EnvPlainHTTPHost),
	}
	err := text.CheckEnv(ErrConfig,
		text.EnvVar{Name: EnvBaseURL, Value: cfg.BaseURL, Check: func(raw string) error { return text.CheckBaseURL(raw, cfg.PlainHTTPHost) }},
		text.EnvVar{Name: EnvPhone, Value: cfg.Phone, Check: checkPhone},
		text.EnvVar{Name: EnvAPIKeySecret, Value: cfg.APIKeySecret, Check: text.CheckSecretID},
		text.EnvVar{Name: EnvTicketsTable, Value: cfg.TicketsTable, Check: text.CheckTable},
		text.EnvVar{Name: EnvPlainHTTPHost, Value: cfg.PlainHTTPHost, Check: checkPlainHTTPHost, Optional: true},
	)
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkPlainHTTPHost accepts "", DockerHostName, or a private IP address:
// where a local sandbox can be, nothing reachable across the internet.
func checkPlainHTTPHost(host string) error {
	if host == "" || strings.EqualFold(host, DockerHostName) {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsPrivate() {
		return fmt.Errorf("%q: want %s or a private IP address (the Docker bridge gateway)", host, DockerHostName)
	}
	return nil
}

func checkPhone(phone string) error {
	if periskope.ValidatePhone(phone) != nil {
		return fmt.Errorf("%q: want the number with country code as digits only (919876543210) or a phone id (phone-…)", phone)
	}
	return nil
}
