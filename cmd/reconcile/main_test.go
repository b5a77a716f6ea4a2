package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func TestParseFlags(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	env := map[string]string{"TICKETS_TABLE": "t", "PERISKOPE_API_KEY_SECRET": "s", "PERISKOPE_PHONE": local.Phone}
	tests := []struct {
		name    string
		args    []string
		unset   string
		wantErr string
		check   func(options) bool
	}{
		{name: "environment only", check: func(o options) bool {
			return o.table == "t" && o.secret == "s" && o.phone == local.Phone && o.baseURL == periskope.DefaultBaseURL && o.run.Since.IsZero() && o.rate == 2 && o.reserve == 5 && o.run.Concurrency == 4 && !o.run.DryRun
		}},
		{name: "prod without -yes is a dry run", args: []string{"-env", "prod"}, check: func(o options) bool { return o.run.DryRun }},
		{name: "prod with -yes stores", args: []string{"-env", "prod", "-yes"}, check: func(o options) bool { return !o.run.DryRun }},
		{name: "dev stores without -yes", args: []string{"-env", "dev"}, check: func(o options) bool { return !o.run.DryRun }},
		{name: "loopback http is the local sandbox", args: []string{"-base-url", "http://localhost:4010/v1"}, check: func(o options) bool { return o.baseURL == "http://localhost:4010/v1" }},
		{name: "plain http elsewhere", args: []string{"-base-url", "http://api.periskope.app/v1"}, wantErr: "plain http is allowed only for a loopback host"},
		{name: "not a base URL", args: []string{"-base-url", "api.periskope.app"}, wantErr: "want https://host"},
		{name: "empty base URL is not production", args: []string{"-base-url", ""}, wantErr: "-base-url given empty"},
		{name: "empty phone", args: []string{"-phone", " "}, wantErr: "-phone given empty"},
		{name: "unknown env", args: []string{"-env", "production"}, wantErr: "want dev, staging or prod"},
		{name: "negative reserve", args: []string{"-reserve", "-1"}, wantErr: "-reserve"},
		{name: "flags win", args: []string{"-table", "x", "-base-url", "http://127.0.0.1:1/v1"}, check: func(o options) bool { return o.table == "x" && o.baseURL == "http://127.0.0.1:1/v1" }},
		{name: "since a date", args: []string{"-since", "2026-11-01"}, check: func(o options) bool { return o.run.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) }},
		{name: "since a duration", args: []string{"-since", "72h"}, check: func(o options) bool { return o.run.Since.Equal(now.Add(-72 * time.Hour)) }},
		{name: "since RFC 3339", args: []string{"-since", "2026-11-27T10:00:00+02:00"}, check: func(o options) bool { return o.run.Since.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)) }},
		{name: "local fills the blanks", unset: "*", args: []string{"-local", "-moto-port", "5107", "-sandbox-port", "4107"}, check: func(o options) bool {
			return o.local && o.table == local.Table && o.secret == local.APIKeySecret && o.phone == local.Phone && o.baseURL == "http://127.0.0.1:4107/v1" && o.motoPort == 5107
		}},
		{name: "local keeps what is given", args: []string{"-local", "-base-url", "https://api.periskope.app/v1"}, check: func(o options) bool {
			return o.table == "t" && o.secret == "s" && o.baseURL == "https://api.periskope.app/v1" && o.sandboxPort == local.SandboxPort
		}},
		{name: "bad since", args: []string{"-since", "last week"}, wantErr: "-since"},
		{name: "no table", unset: "TICKETS_TABLE", wantErr: "missing -table"},
		{name: "no phone", unset: "PERISKOPE_PHONE", wantErr: "missing -phone"},
		{name: "zero rate", args: []string{"-rate", "0"}, wantErr: "positive"},
		{name: "NaN rate", args: []string{"-rate", "NaN"}, wantErr: "positive"},
		{name: "infinite rate", args: []string{"-rate", "+Inf"}, wantErr: "positive"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == tt.unset || tt.unset == "*" {
					return ""
				}
				return env[k]
			}
			o, err := parseFlags(tt.args, getenv, now, &strings.Builder{})
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !tt.check(o):
				t.Errorf("options = %+v", o)
			}
		})
	}
}

// TestRunAgainstMotoAndTheSandbox runs the command as `make reconcile`
// does against the local system (the table and API-key secret provisioned
// from template.yaml on moto_server, and the Periskope sandbox), and once
// as against a stack, with every name given and AWS from the environment.
func TestRunAgainstMotoAndTheSandbox(t *testing.T) {
	moto := motoserver.Start(t)
	ctx := context.Background()
	if err := moto.ProvisionLocal(ctx); err != nil {
		t.Fatal(err)
	}
	for k, v := range moto.Env() {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	sb, err := sandbox.Listen("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	client, err := periskope.New(periskope.WithBaseURL(sb.BaseURL()), periskope.WithAPIKey(local.APIKey), periskope.WithPhone(local.Phone))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := client.CreateTicket(ctx, periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: fmt.Sprintf("lost %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// As `make reconcile ENV=…` runs it: every name given, AWS from the
	// environment.
	explicit := []string{"-table", local.Table, "-api-key-secret", local.APIKeySecret, "-phone", local.Phone, "-base-url", sb.BaseURL()}
	// As plain `make reconcile` runs it.
	_, motoPort, _ := net.SplitHostPort(moto.Addr)
	_, sandboxPort, _ := net.SplitHostPort(strings.TrimPrefix(sb.URL, "http://"))
	localArgs := []string{"-local", "-moto-port", motoPort, "-sandbox-port", sandboxPort}
	runWith := func(args []string, extra ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		code := run(ctx, append(append([]string(nil), args...), extra...), func(string) string { return "" }, &stdout, &stderr, false)
		return code, stdout.String(), stderr.String()
	}
	reconcileOnce := func(extra ...string) (int, string, string) { return runWith(localArgs, extra...) }

	code, out, errOut := runWith(explicit, "-dry-run")
	if code != 0 || lines(out, "missing   ") != 3 || !strings.Contains(out, "3 missing (dry run: nothing stored)") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	// make reconcile ENV=prod without -yes: nothing stored.
	code, out, errOut = runWith(explicit, "-env", "prod")
	if code != 0 || lines(out, "missing   ") != 3 || !strings.Contains(out, "3 missing (dry run: nothing stored)") || !strings.Contains(errOut, "add -yes") {
		t.Errorf("prod without -yes: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = reconcileOnce()
	if code != 0 || lines(out, "stored    ") != 3 || lines(out, "") != 4 || !strings.Contains(out, "reconcile: 3 seen, 0 already stored, 3 stored now, 0 failed") {
		t.Errorf("first run: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "progress: 3/3 done") {
		t.Errorf("no plain progress line on stderr: %q", errOut)
	}
	code, out, errOut = reconcileOnce()
	if code != 0 || !strings.Contains(out, "reconcile: 3 seen, 3 already stored, 0 stored now, 0 failed") {
		t.Errorf("second run: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = reconcileOnce("-table", "no-such-table")
	if code != 1 || !strings.Contains(errOut, "stopped early") {
		t.Errorf("missing table: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for line := range strings.Lines(errOut) {
		if strings.Count(line, "reconcile:") > 1 {
			t.Errorf("a prefix printed twice: %q", line)
		}
	}
	if code, _, errOut := reconcileOnce("-rate", "-1"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2 (%s)", code, errOut)
	}

	// Interrupted (Ctrl-C cancels run's context) after the first ticket's
	// line: 130 and one line saying to run it again, which finishes.
	for i := range 3 {
		if _, err := client.CreateTicket(ctx, periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: fmt.Sprintf("lost later %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	interrupted, interrupt := context.WithCancel(ctx)
	defer interrupt()
	stdout := &cancelOnWrite{cancel: interrupt}
	var stderr strings.Builder
	code = run(interrupted, localArgs, func(string) string { return "" }, stdout, &stderr, false)
	if code != 130 || !strings.HasSuffix(stderr.String(), "\nreconcile: interrupted; run it again to continue\n") ||
		!strings.Contains(stdout.String(), "reconcile: 6 seen") {
		t.Errorf("interrupted: exit %d, want 130\n%s%s", code, stdout.String(), stderr.String())
	}
	code, out, errOut = reconcileOnce()
	if code != 0 || !strings.Contains(out, "reconcile: 6 seen") || !strings.Contains(out, " 0 failed") {
		t.Errorf("after the interruption: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = reconcileOnce()
	if code != 0 || !strings.Contains(out, "reconcile: 6 seen, 6 already stored, 0 stored now, 0 failed") {
		t.Errorf("run again: exit %d\n%s%s", code, out, errOut)
	}
}

// cancelOnWrite is stdout that cancels run's context at the first write.
type cancelOnWrite struct {
	strings.Builder
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Builder.Write(p)
}

// lines counts the lines of out that start with prefix.
func lines(out, prefix string) int {
	n := 0
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}
