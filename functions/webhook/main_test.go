package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	buildOut  []byte
)

// bootstrap builds this function for the host, as the deployment does for
// Lambda (same tags), once per test run.
func bootstrap(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "webhook-bootstrap-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", binary, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// run starts the binary with exactly env and returns its output once it exits.
func run(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	// Built before the deadline starts: a cold build cache (a new toolchain)
	// can take longer than the run is allowed.
	bin := bootstrap(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func lambdaEnv() map[string]string {
	return map[string]string{
		// Nothing listens on port 1: the runtime client fails at once
		// instead of waiting for an invocation.
		"AWS_LAMBDA_RUNTIME_API":       "127.0.0.1:1",
		"AWS_LAMBDA_LOG_FORMAT":        "JSON",
		"AWS_REGION":                   "us-east-1",
		"AWS_ACCESS_KEY_ID":            "testing",
		"AWS_SECRET_ACCESS_KEY":        "testing",
		"PERISKOPE_SIGNING_KEY_SECRET": "periskope/local/signing-key",
		"TICKETS_TABLE":                "periskope-tickets",
	}
}

func TestInitFailsNamingTheMissingVariable(t *testing.T) {
	for _, variable := range []string{"TICKETS_TABLE", "PERISKOPE_SIGNING_KEY_SECRET", "AWS_REGION"} {
		t.Run(variable, func(t *testing.T) {
			env := lambdaEnv()
			delete(env, variable)
			out, err := run(t, env)
			if err == nil {
				t.Fatalf("init succeeded without %s:\n%s", variable, out)
			}
			if !strings.Contains(out, "init failed") || !strings.Contains(out, variable+" is not set") {
				t.Errorf("output does not say that %s is missing:\n%s", variable, out)
			}
			if !strings.HasPrefix(strings.TrimSpace(out), "{") {
				t.Errorf("init failure is not a JSON log line:\n%s", out)
			}
		})
	}
}

// With a full environment init passes and no AWS call is made (there is no
// endpoint to reach): the binary gets as far as the Runtime API.
func TestInitPassesWithAFullEnvironment(t *testing.T) {
	env := lambdaEnv()
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"
	out, _ := run(t, env)
	if strings.Contains(out, "init failed") {
		t.Fatalf("init failed:\n%s", out)
	}
	if !strings.Contains(out, "127.0.0.1:1") {
		t.Errorf("the binary did not reach the Runtime API client:\n%s", out)
	}
}

// The function links neither the full SDK config loader nor test-only
// dependencies: both cost binary size and cold start.
func TestBinaryDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getkin/", "github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/feature/ec2/imds", "net/rpc"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("the function links %s", pkg)
			}
		}
	}
}

// TestEnvironmentIsTheTemplates: the function reads exactly the variables
// template.yaml sets for it (besides Lambda's own), and starts with them.
func TestEnvironmentIsTheTemplates(t *testing.T) {
	err := stack.CheckEnvironment(stack.WebhookFunction, func(getenv func(string) string) error {
		_, err := newHandler(getenv, slog.New(slog.DiscardHandler))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
