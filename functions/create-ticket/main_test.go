package main

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func baseEnv() map[string]string {
	return map[string]string{
		"PERISKOPE_PHONE":          "919876543210",
		"PERISKOPE_API_KEY_SECRET": "periskope/api-key",
		"TICKETS_TABLE":            "periskope-tickets",
		"AWS_REGION":               "us-east-1",
		"AWS_ACCESS_KEY_ID":        "testing",
		"AWS_SECRET_ACCESS_KEY":    "testing",
	}
}

func TestInitFailsNamingTheVariable(t *testing.T) {
	for _, name := range []string{"PERISKOPE_PHONE", "PERISKOPE_API_KEY_SECRET", "TICKETS_TABLE", "AWS_REGION"} {
		vars := baseEnv()
		delete(vars, name)
		if _, err := newHandler(env(vars), slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: error %v, want one naming it", name, err)
		}
	}
	vars := baseEnv()
	vars["PERISKOPE_BASE_URL"] = "not a url"
	if _, err := newHandler(env(vars), slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "PERISKOPE_BASE_URL") {
		t.Errorf("malformed PERISKOPE_BASE_URL: error %v", err)
	}
	if _, err := newHandler(env(baseEnv()), slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("complete environment: %v", err)
	}
}

// The function binary must not link test-only dependencies (kin-openapi):
// binary size and cold start are measured.
func TestBinaryDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, forbidden := range []string{"github.com/getkin/", "github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts"} {
		if strings.Contains(string(out), forbidden) {
			t.Errorf("create-ticket links %s", forbidden)
		}
	}
}

// End to end through main's wiring: the environment selects moto_server
// through AWS_ENDPOINT_URL, the key comes from the secret, and an
// Idempotency-Key replays from the table.
func TestWiringAgainstMoto(t *testing.T) {
	moto, _ := motoserver.StartWithTable(t, "periskope-tickets")
	ctx := context.Background()
	if err := motoserver.PutSecret(ctx, secretsmanager.NewFromConfig(moto.Config()), "periskope/api-key", `{"api_key": "wired-key"}`); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/tickets/create" || r.Header.Get("Authorization") != "Bearer wired-key" || r.Header.Get("x-phone") != "919876543210" {
			t.Errorf("upstream got %s %s auth %q phone %q", r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("x-phone"))
		}
		if !strings.Contains(string(body), `"chat_id":"919876543210@c.us"`) {
			t.Errorf("upstream body %s", body)
		}
		w.Header().Set("x-periskope-trace-id", "trace-wired")
		_, _ = io.WriteString(w, `{"ticket":{"ticket_id":"W-1"},"chat":null,"message":null,"attached_messages":[]}`)
	}))
	defer upstream.Close()

	vars := moto.Env()
	maps.Copy(vars, baseEnv())
	vars["PERISKOPE_BASE_URL"] = upstream.URL + "/v1"
	h, err := newHandler(env(vars), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /tickets", RawPath: "/tickets",
		Headers: map[string]string{"content-type": "application/json", "idempotency-key": "wired-1"},
		Body:    `{"chat_id": "919876543210", "subject": "Wired"}`,
	}
	first, _ := h.Handle(ctx, req)
	second, _ := h.Handle(ctx, req)
	if first.StatusCode != 201 || second.StatusCode != 201 || second.Body != first.Body || second.Headers["idempotent-replayed"] != "true" {
		t.Errorf("first %d %s, second %d %s %v", first.StatusCode, first.Body, second.StatusCode, second.Body, second.Headers)
	}
	if calls.Load() != 1 {
		t.Errorf("Periskope calls = %d, want 1", calls.Load())
	}
}

// TestEnvironmentIsTheTemplates: the function reads exactly the variables
// template.yaml sets for it (besides Lambda's own), and starts with them.
func TestEnvironmentIsTheTemplates(t *testing.T) {
	err := stack.CheckEnvironment(stack.CreateTicketFunction, func(getenv func(string) string) error {
		_, err := newHandler(getenv, slog.New(slog.DiscardHandler))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
