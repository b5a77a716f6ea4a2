package createticket_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func validEnv() map[string]string {
	return map[string]string{
		"PERISKOPE_BASE_URL":       "https://api.periskope.app/v1",
		"PERISKOPE_PHONE":          "919876543210",
		"PERISKOPE_API_KEY_SECRET": "periskope/prod/api-key",
		"TICKETS_TABLE":            "periskope-tickets",
	}
}

func getenv(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := createticket.ConfigFromEnv(getenv(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := createticket.Config{BaseURL: "https://api.periskope.app/v1", Phone: "919876543210", APIKeySecret: "periskope/prod/api-key", TicketsTable: "periskope-tickets"}
	if cfg != want {
		t.Errorf("config = %+v, want %+v", cfg, want)
	}

	accepted := []struct{ name, value, want string }{
		{"PERISKOPE_BASE_URL", "", periskope.DefaultBaseURL},
		{"PERISKOPE_BASE_URL", "http://127.0.0.1:4010/v1", "http://127.0.0.1:4010/v1"},
		{"PERISKOPE_BASE_URL", "http://localhost:4010", "http://localhost:4010"},
		{"PERISKOPE_BASE_URL", "http://[::1]:4010/v1", "http://[::1]:4010/v1"},
		{"PERISKOPE_BASE_URL", "https://api-staging.periskope.app/v1", "https://api-staging.periskope.app/v1"},
		{"PERISKOPE_PHONE", "phone-bqzvyibhmwkaergr", "phone-bqzvyibhmwkaergr"},
		{"PERISKOPE_API_KEY_SECRET", "arn:aws:secretsmanager:us-east-1:123456789012:secret:periskope/api-key-AbCdEf", "arn:aws:secretsmanager:us-east-1:123456789012:secret:periskope/api-key-AbCdEf"},
		{"TICKETS_TABLE", "arn:aws:dynamodb:us-east-1:123456789012:table/periskope-tickets", "arn:aws:dynamodb:us-east-1:123456789012:table/periskope-tickets"},
		{"TICKETS_TABLE", " spaced.name_1 ", "spaced.name_1"},
	}
	for _, c := range accepted {
		env := validEnv()
		env[c.name] = c.value
		cfg, err := createticket.ConfigFromEnv(getenv(env))
		if err != nil {
			t.Errorf("%s=%q: %v", c.name, c.value, err)
			continue
		}
		got := map[string]string{"PERISKOPE_BASE_URL": cfg.BaseURL, "PERISKOPE_PHONE": cfg.Phone, "PERISKOPE_API_KEY_SECRET": cfg.APIKeySecret, "TICKETS_TABLE": cfg.TicketsTable}[c.name]
		if got != c.want {
			t.Errorf("%s=%q: got %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

func TestConfigFromEnvRefuses(t *testing.T) {
	cases := []struct{ name, value string }{
		{"PERISKOPE_BASE_URL", "api.periskope.app/v1"},
		{"PERISKOPE_BASE_URL", "ftp://api.periskope.app"},
		{"PERISKOPE_BASE_URL", "http://api.periskope.app/v1"}, // the key would travel in clear text
		{"PERISKOPE_BASE_URL", "https://user:pw@api.periskope.app/v1"},
		{"PERISKOPE_BASE_URL", "https://api.periskope.app/v1?x=1"},
		{"PERISKOPE_BASE_URL", "https://"},
		{"PERISKOPE_PHONE", ""},
		{"PERISKOPE_PHONE", "+91 98765 43210"},
		{"PERISKOPE_PHONE", "phone-ABC"},
		{"PERISKOPE_API_KEY_SECRET", ""},
		{"PERISKOPE_API_KEY_SECRET", "has space"},
		{"TICKETS_TABLE", ""},
		{"TICKETS_TABLE", "ab"},
		{"TICKETS_TABLE", "bad/name"},
	}
	for _, c := range cases {
		env := validEnv()
		env[c.name] = c.value
		_, err := createticket.ConfigFromEnv(getenv(env))
		if !errors.Is(err, createticket.ErrConfig) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s=%q: error %v, want ErrConfig naming %s", c.name, c.value, err, c.name)
		}
	}
}

// The error goes to the init log line: a password in the URL must not.
func TestConfigFromEnvMasksURLPassword(t *testing.T) {
	for _, raw := range []string{"https://user:s3cret@api.periskope.app/v1", "http://user:s3cret@api.periskope.app/v1", "https://user:s3cret@api.periskope.app/%zz"} {
		env := validEnv()
		env["PERISKOPE_BASE_URL"] = raw
		_, err := createticket.ConfigFromEnv(getenv(env))
		if !errors.Is(err, createticket.ErrConfig) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: error %v, want ErrConfig without the password", raw, err)
		}
	}
}

// A deployment with several mistakes learns of all of them from one
// failed init.
func TestConfigFromEnvReportsEveryProblem(t *testing.T) {
	env := validEnv()
	env["PERISKOPE_PHONE"] = "+91 98765 43210"
	delete(env, "PERISKOPE_API_KEY_SECRET")
	env["TICKETS_TABLE"] = "bad/name"
	_, err := createticket.ConfigFromEnv(getenv(env))
	for _, name := range []string{"PERISKOPE_PHONE", "PERISKOPE_API_KEY_SECRET", "TICKETS_TABLE"} {
		if !errors.Is(err, createticket.ErrConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("err = %v, want ErrConfig naming %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "PERISKOPE_BASE_URL") {
		t.Errorf("err = %v names the valid PERISKOPE_BASE_URL", err)
	}
}

// Plain http to a non-loopback host needs PERISKOPE_PLAIN_HTTP_HOST to name
// exactly that host, and that host must be one only a local machine has.
func TestConfigFromEnvPlainHTTPHost(t *testing.T) {
	cases := []struct {
		baseURL, plainHTTPHost string
		ok                     bool
	}{
		{"http://host.docker.internal:4010/v1", "host.docker.internal", true},
		{"http://HOST.docker.internal:4010/v1", "host.docker.internal", true},
		{"http://172.17.0.1:4010/v1", "172.17.0.1", true},
		{"http://[fd00::1]:4010/v1", "fd00::1", true},
		{"http://127.0.0.1:4010/v1", "host.docker.internal", true}, // loopback needs no opt-in
		{"https://api.periskope.app/v1", "host.docker.internal", true},
		{"http://host.docker.internal:4010/v1", "", false}, // what every deployment has
		{"http://172.17.0.1:4010/v1", "", false},
		{"http://172.17.0.1:4010/v1", "host.docker.internal", false}, // another host than the one named
		{"http://api.periskope.app/v1", "host.docker.internal", false},
		{"http://api.periskope.app/v1", "api.periskope.app", false}, // a public name is never accepted
		{"http://8.8.8.8/v1", "8.8.8.8", false},                     // nor a public address
		{"https://api.periskope.app/v1", "api.periskope.app", false},
		{"http://172.17.0.1:4010/v1", "172.17.0.1:4010", false}, // a host, not host:port
	}
	for _, c := range cases {
		env := validEnv()
		env["PERISKOPE_BASE_URL"] = c.baseURL
		env["PERISKOPE_PLAIN_HTTP_HOST"] = c.plainHTTPHost
		cfg, err := createticket.ConfigFromEnv(getenv(env))
		switch {
		case c.ok && err != nil:
			t.Errorf("%s with PERISKOPE_PLAIN_HTTP_HOST=%q: %v", c.baseURL, c.plainHTTPHost, err)
		case c.ok && (cfg.BaseURL != c.baseURL || cfg.PlainHTTPHost != c.plainHTTPHost):
			t.Errorf("%s with PERISKOPE_PLAIN_HTTP_HOST=%q: config %+v", c.baseURL, c.plainHTTPHost, cfg)
		case !c.ok && !errors.Is(err, createticket.ErrConfig):
			t.Errorf("%s with PERISKOPE_PLAIN_HTTP_HOST=%q: error %v, want ErrConfig", c.baseURL, c.plainHTTPHost, err)
		}
	}
}
