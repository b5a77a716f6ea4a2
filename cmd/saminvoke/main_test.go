package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// Without the SAM CLI or Docker it fails, says which, and runs nothing.
func TestMissingToolsFail(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "not-installed")
	for _, o := range []options{
		{sam: missing, docker: "sh"},
		{sam: "sh", docker: missing},
		{sam: "sh", docker: "false"}, // installed, daemon not answering
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), o, &out, &errOut)
		if !errors.Is(err, errMissingTool) {
			t.Errorf("sam=%s docker=%s: error %v, want errMissingTool", o.sam, o.docker, err)
		}
		if strings.Contains(out.String(), "ok ") {
			t.Errorf("sam=%s docker=%s: reported a sample:\n%s", o.sam, o.docker, out.String())
		}
	}
}

func TestCheck(t *testing.T) {
	want := samples.Sample{Function: stack.WebhookFunction, File: "x.json", Status: 200, Contains: `"status":"stored"`}
	ok := response{StatusCode: 200, Body: `{"status":"stored","ticket_id":"T"}`}
	if err := check(ok, want); err != nil {
		t.Errorf("expected answer refused: %v", err)
	}
	for _, res := range []response{
		{StatusCode: 201, Body: ok.Body},
		{StatusCode: 200, Body: `{"status":"duplicate","ticket_id":"T"}`},
		{},
	} {
		if err := check(res, want); err == nil {
			t.Errorf("%+v accepted for %+v", res, want)
		}
	}
}

func TestSAMEnvHasNoCredentials(t *testing.T) {
	env := samEnv([]string{"PATH=/bin", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t", "AWS_PROFILE=p", "AWS_REGION=eu-west-1"})
	for _, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); slices.Contains([]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"}, name) {
			t.Errorf("%s passed to SAM CLI", kv)
		}
	}
	for _, want := range []string{"PATH=/bin", "AWS_EC2_METADATA_DISABLED=true"} {
		if !slices.Contains(env, want) {
			t.Errorf("env %v lacks %s", env, want)
		}
	}
}

// The sample that must be stored names the ticket the reset deletes; a
// body without a ticket is an error, not an empty key.
func TestSampleTicket(t *testing.T) {
	root, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples.All {
		org, id, err := sampleTicket(root, s)
		switch s.File {
		case "webhook-ticket-created.json":
			if err != nil || org == "" || id != "TICKET-12345" {
				t.Errorf("sampleTicket(%s) = %q, %q, %v", s.File, org, id, err)
			}
		case "create-ticket-minimal.json", "webhook-malformed-json.json":
			if err == nil {
				t.Errorf("sampleTicket(%s) = %q, %q, want an error", s.File, org, id)
			}
		}
	}
}

// A ticket.created without a ticket id or an org id names no item: the
// reset must not delete the item of an empty key.
func TestSampleTicketWantsBothIDs(t *testing.T) {
	for _, body := range []string{
		`{"event":"ticket.created","org_id":"o","data":{"ticket_id":"","org_id":"o","subject":"s"}}`,
		`{"event":"ticket.created","org_id":"o","data":{"ticket_id":"T-1","subject":"s"}}`,
	} {
		s := samples.Sample{File: "inline.json", Body: body}
		if org, id, err := sampleTicket(".", s); err == nil {
			t.Errorf("sampleTicket(%s) = %q, %q, want an error", body, org, id)
		}
	}
}

// For make run's default ports the env-vars file sam local invoke gets is
// the committed env/local.json, byte for byte; for others it names them.
func TestEnvVarsFile(t *testing.T) {
	root := t.TempDir()
	repo, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(repo, "env", "local.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []options{{motoPort: local.MotoPort, sandboxPort: local.SandboxPort}, {motoPort: 5001, sandboxPort: 4011}} {
		path, err := envVarsFile(root, o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		defaults := o.motoPort == local.MotoPort
		if bytes.Equal(got, committed) != defaults || !strings.Contains(string(got), fmt.Sprintf(":%d\"", o.motoPort)) {
			t.Errorf("ports %d/%d: env-vars file\n%s\nwant env/local.json's text only for the defaults", o.motoPort, o.sandboxPort, got)
		}
	}
}
