package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const repoRoot = "../.."

func generated(t *testing.T) ([]EventSpec, map[string][]byte) {
	t.Helper()
	specs, err := LoadSpecs("spec")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(specs)
	if err != nil {
		t.Fatal(err)
	}
	return specs, out
}

// The committed events are exactly what the generator writes: edit the spec
// or its fixtures and run `make events`, never the events by hand.
func TestCommittedEventsAreCurrent(t *testing.T) {
	_, out := generated(t)
	stale, err := Stale(repoRoot, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("events differ from the generator's output, run `make events`: %v", stale)
	}
}

// Every event is a payload 2.0 event a function can read, and its signature
// (when it has one) is the body signed with the spec's key.
func TestEventsAreValidHTTPAPIEvents(t *testing.T) {
	specs, out := generated(t)
	for _, s := range specs {
		t.Run(s.File, func(t *testing.T) {
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(out[s.File], &req); err != nil {
				t.Fatal(err)
			}
			if req.Version != "2.0" || req.RouteKey != s.Method+" "+s.Path || req.RequestContext.RouteKey != req.RouteKey ||
				req.RawPath != s.Path || req.RequestContext.HTTP.Method != s.Method || req.RequestContext.RequestID == "" {
				t.Errorf("route or context wrong: %+v", req)
			}
			for name := range req.Headers {
				if name != strings.ToLower(name) {
					t.Errorf("header %q is not lowercase", name)
				}
			}
			if req.IsBase64Encoded != s.Base64 {
				t.Errorf("isBase64Encoded = %v", req.IsBase64Encoded)
			}
			body, err := apigw.Body(&req, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.rawBody()
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != string(want) {
				t.Errorf("decoded body differs from the spec's body")
			}
			if got := req.Headers["content-length"]; got != strconv.Itoa(len(body)) {
				t.Errorf("content-length = %s, body is %d bytes", got, len(body))
			}
			sig, signed := req.Headers[periskope.SignatureHeader]
			if signed != (s.SignWith != "") {
				t.Fatalf("signature header present = %v, sign_with = %q", signed, s.SignWith)
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
	specs, _ := generated(t)
	var files []string
	for _, s := range specs {
		if strings.HasPrefix(s.File, "events/webhook-") {
			files = append(files, s.File)
			if s.SignWith != "" && s.SignWith != "local-signing-key" && !strings.Contains(s.File, "bad-signature") {
				t.Errorf("%s is signed with %q, not the documented local key", s.File, s.SignWith)
			}
		}
	}
	for _, want := range []string{
		"events/webhook-ticket-created.json", "events/webhook-ticket-created-base64.json",
		"events/webhook-bad-signature.json", "events/webhook-unsigned.json",
		"events/webhook-ticket-updated.json", "events/webhook-malformed-json.json",
	} {
		if !slices.Contains(files, want) {
			t.Errorf("no spec for %s", want)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	_, a := generated(t)
	_, b := generated(t)
	for name := range a {
		if string(a[name]) != string(b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestLoadSpecsRejectsMistakes(t *testing.T) {
	for name, spec := range map[string]string{
		"unknown member":      `{"events": [{"file": "events/x.json", "method": "POST", "path": "/x", "sing_with": "k"}]}`,
		"body and body_file":  `{"events": [{"file": "events/x.json", "method": "POST", "path": "/x", "body": "{}", "body_file": "b.json"}]}`,
		"path escapes":        `{"events": [{"file": "../x.json", "method": "POST", "path": "/x"}]}`,
		"no method":           `{"events": [{"file": "events/x.json", "path": "/x"}]}`,
		"same file twice":     `{"events": [{"file": "events/x.json", "method": "POST", "path": "/x"}, {"file": "events/x.json", "method": "POST", "path": "/y"}]}`,
		"not json":            `{"events": [`,
		"relative route path": `{"events": [{"file": "events/x.json", "method": "POST", "path": "x"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "area.json"), []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadSpecs(dir); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestRunWritesAndChecks(t *testing.T) {
	root := t.TempDir()
	if err := run("spec", root, true); err == nil {
		t.Fatal("-check passed with no events written")
	}
	if err := run("spec", root, false); err != nil {
		t.Fatal(err)
	}
	if err := run("spec", root, true); err != nil {
		t.Fatalf("-check after writing: %v", err)
	}
	path := filepath.Join(root, "events", "webhook-ticket-created.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run("spec", root, true); err == nil || !strings.Contains(err.Error(), "webhook-ticket-created.json") {
		t.Fatalf("-check after a hand edit: %v", err)
	}
}

// POST /tickets is an AWS_IAM route, so its samples carry the IAM caller
// as API Gateway adds it; the public webhook route's samples carry none.
func TestAuthorizerMatchesTheRoute(t *testing.T) {
	_, out := generated(t)
	for file, raw := range out {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		iam := ev.RequestContext.Authorizer != nil && ev.RequestContext.Authorizer.IAM != nil
		wantIAM := ev.RouteKey == "POST /tickets"
		if iam != wantIAM {
			t.Errorf("%s (%s): IAM authorizer present = %v, want %v", file, ev.RouteKey, iam, wantIAM)
			continue
		}
		if iam && !strings.HasPrefix(ev.RequestContext.Authorizer.IAM.UserARN, "arn:aws:sts::") {
			t.Errorf("%s: IAM caller %+v", file, ev.RequestContext.Authorizer.IAM)
		}
	}
}
