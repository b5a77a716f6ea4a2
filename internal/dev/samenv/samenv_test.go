package samenv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samenv"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The committed env/local.json is what Local writes for the default ports:
// `make env-file ENV=local` regenerates it.
func TestCommittedLocalFileIsCurrent(t *testing.T) {
	root, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := samenv.Local(createticket.DockerHostName, local.MotoPort, local.SandboxPort)
	if err != nil {
		t.Fatal(err)
	}
	want := f.Marshal()
	if got := readFile(t, filepath.Join(root, "env", "local.json")); !bytes.Equal(got, want) {
		t.Errorf("env/local.json is stale (make env-file ENV=local):\n got %s\nwant %s", got, want)
	}
}

// What create-ticket does with the local file: it must accept it (plain
// http to the sandbox through the named host).
func TestLocalFileIsAcceptedByCreateTicket(t *testing.T) {
	f, err := samenv.Local("host.docker.internal", 5000, 4010)
	if err != nil {
		t.Fatal(err)
	}
	if got := f[samenv.Global]["AWS_ENDPOINT_URL"]; got != "http://host.docker.internal:5000" {
		t.Errorf("AWS_ENDPOINT_URL = %q", got)
	}
	env := f[stack.CreateTicketFunction]
	env[createticket.EnvPhone] = local.Phone // from PeriskopePhone
	cfg, err := createticket.ConfigFromEnv(func(name string) string { return env[name] })
	if err != nil {
		t.Fatalf("create-ticket refuses env/local.json: %v", err)
	}
	if cfg.BaseURL != "http://host.docker.internal:4010/v1" || cfg.PlainHTTPHost != "host.docker.internal" {
		t.Errorf("config = %+v", cfg)
	}
	if _, ok := f[stack.WebhookFunction]["PERISKOPE_SIGNING_KEY_SECRET"]; !ok {
		t.Errorf("webhook env = %v, want its signing key secret", f[stack.WebhookFunction])
	}
}

func TestFromStack(t *testing.T) {
	f, err := samenv.FromStack(readFile(t, filepath.Join("testdata", "describe-stacks.json")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Marshal(), readFile(t, filepath.Join("testdata", "dev.json")); !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// FromStack refuses a document it cannot fully use, naming what is missing.
func TestFromStackRefuses(t *testing.T) {
	valid := readFile(t, filepath.Join("testdata", "describe-stacks.json"))
	mutate := func(change func(stack map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(valid, &doc); err != nil {
			t.Fatal(err)
		}
		change(doc["Stacks"].([]any)[0].(map[string]any))
		b, _ := json.Marshal(doc)
		return b
	}
	dropOutput := func(key string) []byte {
		return mutate(func(s map[string]any) {
			var kept []any
			for _, o := range s["Outputs"].([]any) {
				if o.(map[string]any)["OutputKey"] != key {
					kept = append(kept, o)
				}
			}
			s["Outputs"] = kept
		})
	}
	setParameter := func(key, value string) []byte {
		return mutate(func(s map[string]any) {
			for _, p := range s["Parameters"].([]any) {
				if p.(map[string]any)["ParameterKey"] == key {
					p.(map[string]any)["ParameterValue"] = value
				}
			}
		})
	}
	cases := []struct {
		name, want string
		doc        []byte
	}{
		{"not JSON", "not the JSON", []byte("An error occurred (ValidationError)")},
		{"no stack", "0 stacks", []byte(`{"Stacks": []}`)},
		{"two stacks", "2 stacks", []byte(`{"Stacks": [{}, {}]}`)},
		{"no table output", samenv.OutputTable, dropOutput(samenv.OutputTable)},
		{"no signing key output", samenv.OutputSigningKeySecret, dropOutput(samenv.OutputSigningKeySecret)},
		{"no parameters", samenv.ParameterBaseURL, mutate(func(s map[string]any) { delete(s, "Parameters") })},
		{"empty phone", "has PeriskopePhone empty", setParameter(samenv.ParameterPhone, "")},
		{"blank base URL", "has PeriskopeBaseUrl empty (an empty PeriskopeBaseUrl would send requests to production Periskope)", setParameter(samenv.ParameterBaseURL, " ")},
	}
	for _, c := range cases {
		_, err := samenv.FromStack(c.doc)
		if !errors.Is(err, samenv.ErrStack) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrStack naming %q", c.name, err, c.want)
		}
	}
}
