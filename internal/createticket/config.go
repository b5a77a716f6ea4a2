package createticket

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
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
	// EnvPlainHTTPHost names the one non-loopback host that
	// PERISKOPE_BASE_URL may reach over plain http: a Periskope sandbox on
	// the developer's machine seen from a sam local container. template.yaml
	// pins it to "" (no parameter sets it), so a deployed function never
	// sends the API key in clear text; only an env-vars file of sam local
	// gives it a value.
	EnvPlainHTTPHost = "PERISKOPE_PLAIN_HTTP_HOST"
)

// DockerHostName is the name a container gives the Docker host (with
// --add-host host.docker.internal:host-gateway on Linux).
const DockerHostName = "host.docker.internal"

// ErrConfig is wrapped by every configuration error; the message names the
// variable at fault.
var ErrConfig = errors.New("createticket: configuration")

// Config is the function's configuration. AWS settings (region,
// credentials, AWS_ENDPOINT_URL) are read separately by awsenv.
type Config struct {
	// BaseURL is Periskope's API prefix (default periskope.DefaultBaseURL).
	BaseURL string
	// Phone is the x-phone value: digits with country code, or a phone-… id.
	Phone string
	// APIKeySecret is the Secrets Manager id or ARN of the API key.
	APIKeySecret string
	// TicketsTable is the DynamoDB table of idempotency records.
	TicketsTable string
	// PlainHTTPHost: see EnvPlainHTTPHost and checkPlainHTTPHost.
	PlainHTTPHost string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv in the
// function) and checks every variable, so that a deployment mistake fails
// the init naming all the variables at fault rather than failing requests.
// The error joins one ErrConfig per variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		BaseURL:       cmp.Or(text.Getenv(getenv, EnvBaseURL), periskope.DefaultBaseURL),
		Phone:         text.Getenv(getenv, EnvPhone),
		APIKeySecret:  text.Getenv(getenv, EnvAPIKeySecret),
		TicketsTable:  text.Getenv(getenv, EnvTicketsTable),
		PlainHTTPHost: text.Getenv(getenv, EnvPlainHTTPHost),
	}
	err := text.CheckEnv(ErrConfig,
		text.EnvVar{Name: EnvBaseURL, Value: cfg.BaseURL, Check: func(raw string) error { return checkBaseURL(raw, cfg.PlainHTTPHost) }},
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

// checkBaseURL accepts https://host[/prefix], and plain http only for a
// loopback host (a local sandbox or mock) or for plainHTTPHost when it is
// set (see EnvPlainHTTPHost): over http anywhere else the API key would
// cross the network in clear text.
//
// The error quotes the URL with any password masked (url.URL.Redacted), and
// not at all when it does not parse: the message goes to the init log line.
func checkBaseURL(raw, plainHTTPHost string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL; want https://host[/prefix]")
	}
	switch {
	case u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("%q: want https://host[/prefix]", u.Redacted())
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: no user info, query or fragment allowed", u.Redacted())
	case u.Scheme == "http" && !isLoopback(u.Hostname()) && (plainHTTPHost == "" || !strings.EqualFold(u.Hostname(), plainHTTPHost)):
		return fmt.Errorf("%q: plain http is allowed only for a loopback host or %s; use https", u.Redacted(), EnvPlainHTTPHost)
	}
	return nil
}

// checkPlainHTTPHost accepts "" (the deployed value), DockerHostName, or a
// private IP address: the places a local sandbox can be, and nothing a
// request could reach across the internet.
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

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkPhone(phone string) error {
	if periskope.ValidatePhone(phone) != nil {
		return fmt.Errorf("%q: want the number with country code as digits only (919876543210) or a phone id (phone-…)", phone)
	}
	return nil
}
