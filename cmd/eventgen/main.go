// Command eventgen writes the sample API Gateway events under events/ from
// their table, internal/dev/samples, so that they never go stale: each is
// signed with its sample's key and built by the local gateway's BuildEvent,
// as `make run` builds the events it sends. Run from the repository root
// (make events); TestCommittedEventsAreCurrent fails when one is stale.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json/jsontext"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "eventgen:", err)
		os.Exit(1)
	}
}

// run writes the events under root that are missing or stale.
func run(root string) error {
	events, err := Generate(root)
	if err != nil {
		return err
	}
	stale, err := Stale(root, events)
	if err != nil {
		return err
	}
	for _, name := range stale {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, events[name], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", name)
	}
	return nil
}

// Stale returns, sorted, the names of events whose file under root is
// missing or differs from the generated content.
func Stale(root string, events map[string][]byte) ([]string, error) {
	var stale []string
	for name, want := range events {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		if !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

// Generate returns the content of every sample, keyed by its path
// relative to root.
func Generate(root string) (map[string][]byte, error) {
	d, err := deployment.Load(root)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(samples.All))
	for _, s := range samples.All {
		route, err := stack.Spec(d, s.Function)
		var body []byte
		if err == nil {
			body, err = samples.Body(root, s)
		}
		if err == nil {
			out[filepath.Join(samples.Dir, s.File)], err = render(s, route, body)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
	}
	return out, nil
}

// The rest of the request mimics a deployed HTTP API, at a fixed time so
// that regenerating the samples changes nothing unless the table did.
var requestTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	apiID     = "a1b2c3d4e5"
	accountID = gateway.DefaultAccountID // BuildEvent's
	domain    = apiID + ".execute-api.us-east-1.amazonaws.com"
	sourceIP  = "203.0.113.10"
	userAgent = "eventgen (sample event)"
	roleID    = "AROAEXAMPLEROLEID:ticket-backend"
)

func render(s samples.Sample, route stack.FunctionSpec, body []byte) ([]byte, error) {
	routeKey := route.Method + " " + route.Path
	id := sha256.Sum256([]byte(filepath.Join(samples.Dir, s.File)))
	r := httptest.NewRequest(route.Method, "https://"+domain+route.Path, bytes.NewReader(body))
	r.RemoteAddr = sourceIP + ":49152" // the caller's address and port
	r.Header.Set("Accept", "*/*")
	r.Header.Set("Content-Type", "application/json")
	if s.Base64 { // BuildEvent base64-encodes a body that is not text
		r.Header.Set("Content-Type", "application/octet-stream")
	}
	r.Header.Set("User-Agent", userAgent)
	r.Header.Set("X-Amzn-Trace-Id", fmt.Sprintf("Root=1-%x-%x", requestTime.Unix(), id[:12]))
	if s.SignWith != "" {
		r.Header.Set(periskope.SignatureHeader, periskope.Sign(body, s.SignWith))
	}
	for name, value := range s.Headers {
		r.Header.Set(name, value)
	}
	ev := gateway.BuildEvent(r, body, gateway.RequestMeta{RouteKey: routeKey, APIID: apiID,
		RequestID: base64.URLEncoding.EncodeToString(id[:11]), Time: requestTime})
	if route.Authorizer == "AWS_IAM" { // the role session of a backend, as in aws-lambda-go's apigw-v2-request-iam.json
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
				AccessKey: "ASIAEXAMPLEACCESSKEY", AccountID: accountID, CallerID: roleID, PrincipalOrgID: "o-exampleorgid",
				UserARN: "arn:aws:sts::" + accountID + ":assumed-role/ticket-backend/ticket-backend", UserID: roleID}}
	}
	out, err := gateway.MarshalEvent(ev, jsontext.WithIndent("  "))
	return append(out, '\n'), err
}
