package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// make smoke against the local system, started as make run starts it (on
// free ports): every check passes but the IAM one, skipped and saying so,
// and no ticket reaches Periskope. Then the same checks against an API that
// answers 500 to everything fail, naming what they saw.
func TestSmokeAgainstTheLocalSystem(t *testing.T) {
	logs := &testkit.Buffer{}
	st, err := stack.Start(context.Background(), stack.Config{Output: logs, BinDir: t.TempDir()})
	if err != nil {
		t.Fatalf("starting the local system: %v\n%s", err, logs)
	}
	defer st.Close()

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-local", "-api-url", st.APIURL, "-moto-url", st.Moto.Endpoint}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("smoke exited %d\nstdout:\n%s\nstderr:\n%s\nlocal system:\n%s", code, &stdout, &stderr, logs)
	}
	for _, want := range []string{
		"SKIP  POST /tickets unsigned: want 403 (IAM authorization); saw skipped: the local gateway has no IAM authorization",
		`PASS  POST /tickets signed, subject missing: want 400 with "field":"subject"; saw 400 `,
		"PASS  POST /webhooks/periskope unsigned: want 401; saw 401 ",
		`PASS  POST /webhooks/periskope signed, event smoke.check: want 200 {"status":"ignored"}; saw 200 {"status":"ignored","event":"smoke.check"}`,
		"smoke: 3 passed, 1 skipped, 0 failed",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &stdout)
		}
	}
	if got := st.Sandbox.Stats().CreatesReceived; got != 0 {
		t.Errorf("Periskope received %d creates: the smoke test must never create a ticket", got)
	}

	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
	}))
	defer broken.Close()
	stdout.Reset()
	if code := run(context.Background(), []string{"-local", "-api-url", broken.URL, "-moto-url", st.Moto.Endpoint}, &stdout, &stderr); code != 1 {
		t.Errorf("against an API answering 500: exit %d, want 1\n%s", code, &stdout)
	}
	if want := "FAIL  POST /webhooks/periskope unsigned: want 401; saw 500 "; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, &stdout)
	}
}

func TestSmokeNeedsATarget(t *testing.T) {
	for _, args := range [][]string{nil, {"-local", "-stack", "periskope-bridge-dev"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("smoke %v: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "give either -stack NAME or -local") {
			t.Errorf("smoke %v: stderr %q does not say what to give", args, &stderr)
		}
	}
}

// Nothing listening where make run's moto_server should be: the checks
// cannot start, and the message says what to do.
func TestSmokeWithoutALocalSystem(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-local", "-api-url", closed.URL, "-moto-url", closed.URL, "-timeout", "10s"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "is make run running?") {
		t.Errorf("stderr %q does not point at make run", &stderr)
	}
}
