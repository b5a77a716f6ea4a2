package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const repoRoot = "../.."

func generated(t *testing.T) map[string][]byte {
	t.Helper()
	out, err := Generate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The committed events are exactly what the generator writes: edit the
// table or its fixtures and run `make events`, never the events by hand.
func TestCommittedEventsAreCurrent(t *testing.T) {
	stale, err := Stale(repoRoot, generated(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("events differ from the generator's output, run `make events`: %v", stale)
	}
}

// Every event is a payload 2.0 event a function can read, on its
// function's route, and its signature (when it has one) is the body signed
// with the sample's key. POST /tickets is an AWS_IAM route, so its samples
// carry the IAM caller as API Gateway adds it; the public webhook route's
// samples carry none.
func TestEventsAreValidHTTPAPIEvents(t *testing.T) {
	out := generated(t)
	d, err := deployment.Load(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(samples.All) {
		t.Fatalf("%d events for %d samples: two samples share a file", len(out), len(samples.All))
	}
	for _, s := range samples.All {
		t.Run(s.File, func(t *testing.T) {
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(out[filepath.Join(samples.Dir, s.File)], &req); err != nil {
				t.Fatal(err)
			}
			spec, err := stack.Spec(d, s.Function)
			if err != nil {
				t.Fatal(err)
			}
			route := spec.Method + " " + spec.Path
			if req.Version != "2.0" || req.RouteKey != route || req.RequestContext.RouteKey != route ||
				req.RequestContext.HTTP.Method+" "+req.RawPath != route || req.RequestContext.HTTP.Path != req.RawPath || req.RequestContext.RequestID == "" {
				t.Errorf("route or context wrong: %+v", req)
			}
			iam := req.RequestContext.Authorizer != nil && req.RequestContext.Authorizer.IAM != nil
			if wantIAM := route == "POST /tickets"; iam != wantIAM || iam && !strings.HasPrefix(req.RequestContext.Authorizer.IAM.UserARN, "arn:aws:sts::") {
				t.Errorf("IAM authorizer %+v, want one: %v", req.RequestContext.Authorizer, wantIAM)
			}
			for name := range req.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("header %q is not lowercase", name)
				}
			}
			if req.IsBase64Encoded != s.Base64 {
				t.Errorf("isBase64Encoded = %v", req.IsBase64Encoded)
			}
			body, apiErr := apigw.ReadBody(&req, 1<<20)
			if apiErr != nil {
				t.Fatal(apiErr)
			}
			want, err := samples.Body(repoRoot, s)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != string(want) || len(body) == 0 {
				t.Errorf("decoded body differs from the sample's body")
			}
			if got := req.Headers["content-length"]; got != strconv.Itoa(len(body)) {
				t.Errorf("content-length = %s, body is %d bytes", got, len(body))
			}
			sig, signed := req.Headers[periskope.SignatureHeader]
			if signed != (s.SignWith != "") {
				t.Fatalf("signature header present = %v, SignWith = %q", signed, s.SignWith)
			}
			if signed {
				if err := periskope.Verify(body, sig, s.SignWith); err != nil {
					t.Errorf("signature does not verify: %v", err)
				}
			}
		})
	}
}

func TestWebhookSamplesAreSignedWithTheLocalKey(t *testing.T) {
	for _, s := range samples.All {
		if s.SignWith != "" && s.SignWith != local.SigningKey && s.File != "webhook-bad-signature.json" {
			t.Errorf("%s is signed with %q, not the documented local key", s.File, s.SignWith)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generated(t), generated(t)
	for name := range a {
		if string(a[name]) != string(b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// tempRoot is a repository root holding the sample bodies, the translator
// and template.yaml, edited by edit when not nil.
func tempRoot(t *testing.T, edit func(string) string) string {
	t.Helper()
	root := t.TempDir()
	template, err := os.ReadFile(filepath.Join(repoRoot, deployment.Template))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		template = []byte(edit(string(template)))
	}
	translator, err := filepath.Abs(filepath.Join(repoRoot, deployment.Translator))
	for _, err := range []error{err,
		os.WriteFile(filepath.Join(root, deployment.Template), template, 0o644),
		os.MkdirAll(filepath.Join(root, filepath.Dir(deployment.Translator)), 0o755),
		os.Symlink(translator, filepath.Join(root, deployment.Translator)),
		os.CopyFS(filepath.Join(root, samples.BodyDir), os.DirFS(filepath.Join(repoRoot, samples.BodyDir))),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// The routes come from template.yaml: a path changed there changes the
// samples, which TestCommittedEventsAreCurrent then finds stale.
func TestEventsFollowTheTemplatesRoutes(t *testing.T) {
	root := tempRoot(t, func(template string) string {
		return strings.Replace(template, "Path: /webhooks/periskope", "Path: /webhooks/moved", 1)
	})
	out, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(out[filepath.Join(samples.Dir, "webhook-ticket-created.json")], &req); err != nil {
		t.Fatal(err)
	}
	if req.RawPath != "/webhooks/moved" || req.RouteKey != "POST /webhooks/moved" {
		t.Errorf("route %q, path %q after the template moved the webhook, want POST /webhooks/moved", req.RouteKey, req.RawPath)
	}
}

// run writes the events that are missing, and rewrites one edited by hand.
func TestRunWritesMissingAndStaleEvents(t *testing.T) {
	root := tempRoot(t, nil)
	stale := func() []string {
		t.Helper()
		names, err := Stale(root, generated(t))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got := stale(); len(got) != len(samples.All) {
		t.Fatalf("stale before writing: %v, want every event", got)
	}
	if err := run(root); err != nil {
		t.Fatal(err)
	}
	if got := stale(); len(got) != 0 {
		t.Fatalf("stale after writing: %v", got)
	}
	path := filepath.Join(root, "events", "webhook-ticket-created.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := stale(); len(got) != 1 || !strings.Contains(got[0], "webhook-ticket-created.json") {
		t.Fatalf("stale after a hand edit: %v", got)
	}
	if err := run(root); err != nil {
		t.Fatal(err)
	}
	if got := stale(); len(got) != 0 {
		t.Fatalf("stale after rewriting: %v", got)
	}
}
