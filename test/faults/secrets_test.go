package faults

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// TestSecretsUnavailable makes Secrets Manager unreachable, then deletes
// the secrets: a function that has its key cached keeps serving, a cold
// one answers 503 and says why in its log.
func TestSecretsUnavailable(t *testing.T) {
	moto := startMoto(t)
	proxy, err := benchkit.StartAWSProxy(moto.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var warmLogs testkit.Buffer
	backends := stack.Backends{AWSEndpoint: proxy.URL, PeriskopeBaseURL: sb.BaseURL(), PeriskopePhone: local.Phone}
	webhook := function(t, stack.WebhookFunction, backends, &warmLogs, 1)
	create := function(t, stack.CreateTicketFunction, backends, &warmLogs, 1)
	api, err := benchkit.StartAPI([]benchkit.APIFunction{webhook, create}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ctx := context.Background()

	n := 0
	delivery := func() ([]byte, map[string]string) {
		n++
		body := benchkit.TicketCreated("faults-org", fmt.Sprintf("SECRET-%d", n))
		return body, benchkit.SignedHeaders(body, local.SigningKey)
	}
	createBody := []byte(`{"chat_id":"919876543210@c.us","subject":"secret faults"}`)
	jsonCT := map[string]string{"Content-Type": "application/json"}
	warm := func(t *testing.T) {
		t.Helper()
		body, headers := delivery()
		if r := benchkit.Send(ctx, http.DefaultClient, api.URL+webhook.Path, headers, body); r.Err != nil || r.Status != 200 {
			t.Errorf("warm webhook: %d %s %v, want 200", r.Status, r.Body, r.Err)
		}
		if r := benchkit.Send(ctx, http.DefaultClient, api.URL+create.Path, jsonCT, createBody); r.Err != nil || r.Status != 201 {
			t.Errorf("warm create-ticket: %d %s %v, want 201", r.Status, r.Body, r.Err)
		}
	}
	// cold runs each function in a fresh process and checks its 503 and
	// its log line.
	cold := func(t *testing.T, webhookError *regexp.Regexp, createError string) {
		t.Helper()
		var logs testkit.Buffer
		body, headers := delivery()
		payload := benchkit.APIEvent(webhook.Method, webhook.Path, headers, body)
		cfg := webhook.Config
		cfg.Output = &logs
		res, err := benchkit.ColdInvoke(ctx, cfg, payload, nil)
		if err != nil || res.Status != 503 {
			t.Errorf("cold webhook: %d %s %v, want 503", res.Status, res.Payload, err)
		}
		line := logLine(logs.String(), `"status":503`)
		t.Logf("cold webhook logged: %s", line)
		if !strings.Contains(line, `"dependency":"secretsmanager"`) || !webhookError.MatchString(line) {
			t.Errorf("cold webhook log line %q should name secretsmanager and %s; log:\n%s", line, webhookError, logs.String())
		}

		logs = testkit.Buffer{}
		payload = benchkit.APIEvent(create.Method, create.Path, jsonCT, createBody)
		cfg = create.Config
		cfg.Output = &logs
		before := sb.Stats().CreatesReceived
		res, err = benchkit.ColdInvoke(ctx, cfg, payload, nil)
		if err != nil || res.Status != 503 || !strings.Contains(string(res.Payload), "api_key_unavailable") {
			t.Errorf("cold create-ticket: %d %s %v, want 503 api_key_unavailable", res.Status, res.Payload, err)
		}
		line = logLine(logs.String(), `"status":503`)
		t.Logf("cold create-ticket logged: %s", line)
		if !strings.Contains(line, "api_key_unavailable") || !strings.Contains(line, createError) {
			t.Errorf("cold create-ticket log line %q should say api_key_unavailable and %s; log:\n%s", line, createError, logs.String())
		}
		if got := sb.Stats().CreatesReceived - before; got != 0 {
			t.Errorf("cold create-ticket without its key called Periskope %d times", got)
		}
	}

	warm(t) // both now hold their key
	// Both functions' bootstraps, from their pools.
	runtimePIDs := func() (pids []int) {
		for _, fn := range api.Functions {
			pids = append(pids, fn.RuntimePIDs()...)
		}
		slices.Sort(pids)
		return pids
	}
	warmPIDs := runtimePIDs()
	secretCalls := proxy.Counts()[benchkit.TargetGetSecretValue]
	if secretCalls != 2 {
		t.Fatalf("warming made %d GetSecretValue calls, want 2 (one per function)", secretCalls)
	}

	t.Run("unreachable", func(t *testing.T) {
		proxy.Block(benchkit.PrefixSecretsManager)
		defer proxy.Unblock()
		warm(t)
		// A dropped connection is retried by the SDK until the fetch timeout.
		cold(t, regexp.MustCompile(`"aws_error":"(NetworkError|Timeout)"`), "GetSecretValue")
	})
	t.Run("deleted", func(t *testing.T) {
		sm := secretsmanager.NewFromConfig(moto.Config())
		for _, id := range []string{local.SigningKeySecret, local.APIKeySecret} {
			if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(id), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
				t.Fatal(err)
			}
		}
		warm(t)
		cold(t, regexp.MustCompile(`"aws_error":"ResourceNotFoundException"`), "ResourceNotFoundException")
	})
	// The warm bootstraps never asked again: their key was cached.
	if now := runtimePIDs(); len(warmPIDs) != 2 || !slices.Equal(now, warmPIDs) {
		t.Errorf("warm bootstraps %v, then %v; want the same 2 throughout", warmPIDs, now)
	}
	if strings.Contains(warmLogs.String(), `"status":503`) {
		t.Errorf("a warm function answered 503:\n%s", warmLogs.String())
	}
}

// logLine returns the first line of log containing marker.
func logLine(log, marker string) string {
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, marker) {
			return line
		}
	}
	return ""
}
