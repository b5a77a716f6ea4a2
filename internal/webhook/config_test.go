package webhook_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func validEnv() map[string]string {
	return map[string]string{
		webhook.EnvSigningKeySecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/signing-key-AbCdEf",
		webhook.EnvTicketsTable:     "periskope-tickets",
	}
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := webhook.ConfigFromEnv(env(validEnv()))
	if err != nil {
		t.Fatal(err)
	}
	want := webhook.Config{
		SigningKeySecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/signing-key-AbCdEf",
		TicketsTable:     "periskope-tickets",
	}
	if cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	vars := validEnv()
	vars[webhook.EnvSigningKeySecret] = "periskope/local/signing-key"
	if _, err := webhook.ConfigFromEnv(env(vars)); err != nil {
		t.Errorf("a secret name: %v", err)
	}
}

func TestConfigFromEnvNamesTheVariable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		variable string
		value    string
		wantText string
	}{
		{"table missing", webhook.EnvTicketsTable, "", "TICKETS_TABLE is not set"},
		{"table blank", webhook.EnvTicketsTable, "  ", "TICKETS_TABLE is not set"},
		{"table malformed", webhook.EnvTicketsTable, "my table", "TICKETS_TABLE: want a DynamoDB table name"},
		{"table too short", webhook.EnvTicketsTable, "q1", "TICKETS_TABLE: want a DynamoDB table name"},
		{"secret missing", webhook.EnvSigningKeySecret, "", "PERISKOPE_SIGNING_KEY_SECRET is not set"},
		{"secret holds a key by mistake", webhook.EnvSigningKeySecret, "{\"signing_keys\": [\"k\"]}", "PERISKOPE_SIGNING_KEY_SECRET: want a Secrets Manager secret name or ARN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := validEnv()
			vars[tc.variable] = tc.value
			_, err := webhook.ConfigFromEnv(env(vars))
			if !errors.Is(err, webhook.ErrConfig) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("err = %v, want one saying %q", err, tc.wantText)
			}
			if tc.value != "" && strings.TrimSpace(tc.value) != "" && strings.Contains(err.Error(), tc.value) {
				t.Errorf("error echoes the value: %v", err)
			}
		})
	}
}

func TestConfigFromEnvReportsEveryProblem(t *testing.T) {
	_, err := webhook.ConfigFromEnv(env(nil))
	if err == nil || !strings.Contains(err.Error(), webhook.EnvTicketsTable) || !strings.Contains(err.Error(), webhook.EnvSigningKeySecret) {
		t.Fatalf("err = %v, want both variables named", err)
	}
}
