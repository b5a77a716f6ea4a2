package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// Built once by TestMain: the command itself and the function bootstraps.
var (
	localBinary string
	binDir      string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "cmd-local-test")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	localBinary, binDir = filepath.Join(dir, "periskope-local"), filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", localBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("building cmd/local: %w", err)
	}
	root, err := deployment.FindRoot()
	if err != nil {
		return 0, err
	}
	// Tests that need the functions fail on their own if this failed.
	if err := stack.Build(context.Background(), root, binDir); err != nil {
		fmt.Fprintln(os.Stderr, "building the functions:", err)
	}
	return m.Run(), nil
}

var (
	apiURLPattern = regexp.MustCompile(`API \(HTTP API\)\s+(http://127\.0\.0\.1:\d+)`)
	pidPattern    = regexp.MustCompile(`\bpid ([0-9]+(?:,[0-9]+)*)`)
)

// `make run` as a user sees it: the banner, a working API, and Ctrl-C
// stopping every process.
func TestRunServesAndCtrlCStopsEverything(t *testing.T) {
	out := &testkit.Buffer{}
	cmd := exec.Command(localBinary, "-skip-build", "-bin-dir", binDir, "-api-port", "0", "-moto-port", "0", "-sandbox-port", "0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	}()

	var apiURL string
	deadline := time.Now().Add(60 * time.Second)
	for apiURL == "" {
		if m := apiURLPattern.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Try:") {
			apiURL = m[1]
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("exited before it was ready: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no banner within a minute")
		}
	}
	var pids []int
	for _, m := range pidPattern.FindAllStringSubmatch(out.String(), -1) {
		for _, p := range strings.Split(m[1], ",") {
			pid, _ := strconv.Atoi(p)
			pids = append(pids, pid)
		}
	}
	if len(pids) != 3 {
		t.Fatalf("banner shows pids %v, want moto_server and two functions", pids)
	}

	resp, err := http.Post(apiURL+"/tickets", "application/json", strings.NewReader(`{"chat_id":"919537851844@c.us","subject":"From the test"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"ticket_id":"LOC-001"`) {
		t.Errorf("POST /tickets = %d %s", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after Ctrl-C: %v, want status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30s after Ctrl-C")
	}
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d survived Ctrl-C", pid)
		}
	}
	if !strings.Contains(out.String(), "Stopped.") {
		t.Error("no shutdown message")
	}
}

// `make invoke`: one event through the real binary, the response on stdout.
// It leaves the log files of a make run in the same bin dir alone.
func TestInvokePrintsTheResponse(t *testing.T) {
	runLog := stack.LogPath(filepath.Join(binDir, "logs"), "CreateTicketFunction")
	if err := os.MkdirAll(filepath.Dir(runLog), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(runLog, []byte("a line of make run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(localBinary, "-skip-build", "-bin-dir", binDir,
		"-invoke", "CreateTicketFunction", "-event", filepath.Join("testdata", "create-ticket.json"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("invoke: %v\nstderr:\n%s", err, stderr.String())
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		t.Fatalf("stdout is not the response: %v\n%s", err, stdout.String())
	}
	if resp.StatusCode != 201 || !strings.Contains(resp.Body, `"subject":"Invoked locally"`) {
		t.Errorf("response = %d %s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{"[CreateTicketFunction] REPORT RequestId:", "(rapid) INIT REPORT(durationMs:"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no %q on stderr (the emulator's lines):\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "[WebhookFunction]") {
		t.Errorf("invoking create-ticket started the webhook too:\n%s", stderr.String())
	}
	if got, err := os.ReadFile(runLog); err != nil || string(got) != "a line of make run\n" {
		t.Errorf("make invoke changed make run's %s: %q, %v", runLog, got, err)
	}
}

// -docker-bridge never exposes the local system beyond this machine: an
// address that is not a private one of its interfaces stops `make run`
// before anything starts.
func TestDockerBridgeRefusesPublicAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0", "::", "8.8.8.8", "no-such-interface0"} {
		var out bytes.Buffer
		cmd := exec.Command(localBinary, "-skip-build", "-bin-dir", binDir, "-api-port", "0", "-moto-port", "0", "-sandbox-port", "0", "-docker-bridge", addr)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
			t.Errorf("-docker-bridge %s: exit %d (%v), want 1\n%s", addr, code, err, out.String())
		}
		if !strings.Contains(out.String(), "-docker-bridge: bridge: refused") || strings.Contains(out.String(), "moto_server") {
			t.Errorf("-docker-bridge %s: output %q, want the refusal and nothing started", addr, out.String())
		}
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"-invoke", "WebhookFunction", "-event", "e.json"}, ""},
		{[]string{"-invoke", "Nope", "-event", "e.json"}, "it has CreateTicketFunction, WebhookFunction"},
		{[]string{"-invoke", "WebhookFunction"}, "needs -event"},
		{[]string{"stray"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, io.Discard)
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseFlags(%q) = %v, want %q", tt.args, err, tt.wantErr)
		}
	}
	o, _ := parseFlags(nil, io.Discard)
	if o.APIPort != 3000 || o.MotoPort != 5000 || o.SandboxPort != 4010 {
		t.Errorf("default ports %d/%d/%d, want 3000/5000/4010", o.APIPort, o.MotoPort, o.SandboxPort)
	}
	t.Setenv("PERISKOPE_API_KEY", "key-from-env")
	if o, _ := parseFlags(nil, io.Discard); o.PeriskopeAPIKey != "key-from-env" {
		t.Errorf("API key %q, want $PERISKOPE_API_KEY", o.PeriskopeAPIKey)
	}
}
