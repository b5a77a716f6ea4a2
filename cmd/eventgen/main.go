// Command eventgen writes the sample API Gateway events under events/ from
// their table, internal/dev/samples, so that they never go stale: bodies
// come from the table or from the fixture files of internal/dev/samples/bodies,
// signatures are computed with the sample's key, and lengths and encodings
// always match the body.
//
// Usage, from the repository root (make events):
//
//	go run ./cmd/eventgen            # (re)write the events
//	go run ./cmd/eventgen -check     # fail if a committed event is stale
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "write nothing; exit 1 if any event differs from what would be written")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "eventgen:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	events, err := Generate(root)
	if err != nil {
		return err
	}
	stale, err := Stale(root, events)
	if err == nil && check && len(stale) > 0 {
		err = fmt.Errorf("stale events (run `make events`): %v", stale)
	}
	if err != nil || check {
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
	out := make(map[string][]byte, len(samples.All))
	for _, s := range samples.All {
		body, err := samples.Body(root, s)
		if err == nil {
			out[filepath.Join(samples.Dir, s.File)], err = render(s, body)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
	}
	return out, nil
}

// routes are the functions' routes; POST /tickets has AWS_IAM
// authorization, so its samples carry the caller as API Gateway adds it.
var routes = map[string]struct {
	key string
	iam bool
}{
	"CreateTicketFunction": {"POST /tickets", true},
	"WebhookFunction":      {"POST /webhooks/periskope", false},
}

// The rest of the request context mimics a deployed HTTP API, at a fixed
// time so that regenerating the samples changes nothing unless the table did.
var requestTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	apiID     = "a1b2c3d4e5"
	accountID = "123456789012"
	domain    = apiID + ".execute-api.us-east-1.amazonaws.com"
	sourceIP  = "203.0.113.10"
	userAgent = "eventgen (sample event)"
	roleID    = "AROAEXAMPLEROLEID:ticket-backend"
)

// request is an API Gateway HTTP API payload 2.0 event, members in the order
// of AWS's own samples; below it, maps write their members sorted, as those
// samples have them. It is declared here rather than taken from
// aws-lambda-go's events package so that members the samples do not use
// (authentication, authorizer) are left out instead of written empty.
type request struct {
	Version         string            `json:"version"`
	RouteKey        string            `json:"routeKey"`
	RawPath         string            `json:"rawPath"`
	RawQueryString  string            `json:"rawQueryString"`
	Headers         map[string]string `json:"headers"`
	RequestContext  map[string]any    `json:"requestContext"`
	Body            string            `json:"body,omitempty"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func render(s samples.Sample, body []byte) ([]byte, error) {
	route, ok := routes[s.Function]
	if !ok {
		return nil, fmt.Errorf("no route for function %q", s.Function)
	}
	method, path, _ := strings.Cut(route.key, " ")
	id := sha256.Sum256([]byte(filepath.Join(samples.Dir, s.File)))
	headers := map[string]string{
		"accept":            "*/*",
		"content-length":    strconv.Itoa(len(body)),
		"content-type":      "application/json",
		"host":              domain,
		"user-agent":        userAgent,
		"x-amzn-trace-id":   "Root=1-" + strconv.FormatInt(requestTime.Unix(), 16) + "-" + fmt.Sprintf("%x", id)[:24],
		"x-forwarded-for":   sourceIP,
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	encoded := string(body)
	if s.Base64 {
		headers["content-type"] = "application/octet-stream"
		encoded = base64.StdEncoding.EncodeToString(body)
	}
	if s.SignWith != "" {
		headers[periskope.SignatureHeader] = periskope.Sign(body, s.SignWith)
	}
	for name, value := range s.Headers {
		headers[strings.ToLower(name)] = value
	}
	ctx := map[string]any{
		"accountId":    accountID,
		"apiId":        apiID,
		"domainName":   domain,
		"domainPrefix": apiID,
		"http": map[string]string{"method": method, "path": path, "protocol": "HTTP/1.1",
			"sourceIp": sourceIP, "userAgent": userAgent},
		"requestId": base64.URLEncoding.EncodeToString(id[:11]), // shaped like API Gateway's
		"routeKey":  route.key,
		"stage":     "$default",
		"time":      requestTime.Format("02/Jan/2006:15:04:05 -0700"),
		"timeEpoch": requestTime.UnixMilli(),
	}
	if route.iam { // the role session of a backend, as in aws-lambda-go's apigw-v2-request-iam.json
		ctx["authorizer"] = map[string]any{"iam": map[string]string{
			"accessKey": "ASIAEXAMPLEACCESSKEY", "accountId": accountID, "callerId": roleID, "principalOrgId": "o-exampleorgid",
			"userArn": "arn:aws:sts::" + accountID + ":assumed-role/ticket-backend/ticket-backend", "userId": roleID}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(request{Version: "2.0", RouteKey: route.key, RawPath: path, Headers: headers,
		RequestContext: ctx, Body: encoded, IsBase64Encoded: s.Base64})
	return buf.Bytes(), err
}
