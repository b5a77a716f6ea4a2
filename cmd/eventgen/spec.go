package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// SpecFile is one file of the spec directory: the sample events of one area
// (webhook.json, create-ticket.json, ...).
type SpecFile struct {
	Events []EventSpec `json:"events"`
}

// EventSpec describes one sample API Gateway HTTP API (payload 2.0) event.
type EventSpec struct {
	// File is where the event is written, relative to the repository root.
	File string `json:"file"`
	// Comment says what the sample is for; it is not written out.
	Comment string `json:"comment,omitempty"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	// Body is the request body, inline; BodyFile names a file holding it,
	// relative to the spec file. At most one may be set.
	Body     *string `json:"body,omitempty"`
	BodyFile string  `json:"body_file,omitempty"`
	// Compact re-encodes a JSON body without insignificant whitespace, as
	// senders usually post it.
	Compact     bool   `json:"compact,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// Base64 sends the body base64-encoded, as API Gateway does for content
	// types it does not treat as text.
	Base64 bool `json:"base64,omitempty"`
	// SignWith adds x-periskope-signature: the body signed with this key.
	SignWith string `json:"sign_with,omitempty"`
	// Headers are added as given (names are lowercased, as API Gateway does).
	Headers map[string]string `json:"headers,omitempty"`
	// Authorizer is "iam" for a route with AWS_IAM authorization: the request
	// context then carries the caller, as API Gateway adds it. Empty: a
	// public route.
	Authorizer string `json:"authorizer,omitempty"`
}

// requestTime is the fixed time of every sample, so that regenerating them
// changes nothing unless the spec did.
var requestTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// apiID and the rest of the request context mimic a deployed HTTP API.
const (
	apiID     = "a1b2c3d4e5"
	accountID = "123456789012"
	region    = "us-east-1"
	sourceIP  = "203.0.113.10"
	userAgent = "eventgen (sample event)"
)

// request is the JSON of an API Gateway HTTP API payload 2.0 event, in the
// member order AWS's own samples use. It is declared here rather than taken
// from aws-lambda-go's events package so that members the samples do not use
// (authentication, authorizer) are left out instead of written empty.
type request struct {
	Version         string            `json:"version"`
	RouteKey        string            `json:"routeKey"`
	RawPath         string            `json:"rawPath"`
	RawQueryString  string            `json:"rawQueryString"`
	Headers         map[string]string `json:"headers"`
	RequestContext  requestContext    `json:"requestContext"`
	Body            string            `json:"body,omitempty"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	Authorizer   *authorizer `json:"authorizer,omitempty"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         httpContext `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

// authorizer is the IAM caller of a SigV4-signed request, shaped like
// aws-lambda-go's events/testdata/apigw-v2-request-iam.json.
type authorizer struct {
	IAM iamCaller `json:"iam"`
}

type iamCaller struct {
	AccessKey      string `json:"accessKey"`
	AccountID      string `json:"accountId"`
	CallerID       string `json:"callerId"`
	PrincipalOrgID string `json:"principalOrgId"`
	UserArn        string `json:"userArn"`
	UserID         string `json:"userId"`
}

// iamSampleCaller is the role session of a backend calling POST /tickets.
var iamSampleCaller = &authorizer{IAM: iamCaller{
	AccessKey:      "ASIAEXAMPLEACCESSKEY",
	AccountID:      accountID,
	CallerID:       "AROAEXAMPLEROLEID:ticket-backend",
	PrincipalOrgID: "o-exampleorgid",
	UserArn:        "arn:aws:sts::" + accountID + ":assumed-role/ticket-backend/ticket-backend",
	UserID:         "AROAEXAMPLEROLEID:ticket-backend",
}}

type httpContext struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// LoadSpecs reads every *.json file directly in dir, in name order. Unknown
// members and two events writing the same file are errors, so that a typo
// in a spec fails loudly.
func LoadSpecs(dir string) ([]EventSpec, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.json spec in %s", dir)
	}
	var all []EventSpec
	seen := map[string]string{}
	for _, path := range paths {
		specs, err := loadSpecFile(path)
		if err != nil {
			return nil, err
		}
		for _, s := range specs {
			if prev, dup := seen[s.File]; dup {
				return nil, fmt.Errorf("%s: %s is also generated by %s", path, s.File, prev)
			}
			seen[s.File] = path
		}
		all = append(all, specs...)
	}
	return all, nil
}

func loadSpecFile(path string) ([]EventSpec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f SpecFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range f.Events {
		s := &f.Events[i]
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("%s: event %d (%s): %w", path, i, s.File, err)
		}
		if s.BodyFile != "" {
			s.BodyFile = filepath.Join(filepath.Dir(path), s.BodyFile)
		}
	}
	return f.Events, nil
}

func (s *EventSpec) check() error {
	switch {
	case s.File == "" || filepath.IsAbs(s.File) || strings.Contains(s.File, ".."):
		return errors.New("file must be a relative path inside the repository")
	case s.Method == "" || s.Path == "" || !strings.HasPrefix(s.Path, "/"):
		return errors.New("method and an absolute path are required")
	case s.Body != nil && s.BodyFile != "":
		return errors.New("body and body_file are exclusive")
	case s.Authorizer != "" && s.Authorizer != "iam":
		return errors.New(`authorizer must be "iam" or absent`)
	}
	return nil
}

// Generate returns the content of every event of specs, keyed by File.
func Generate(specs []EventSpec) (map[string][]byte, error) {
	out := make(map[string][]byte, len(specs))
	for _, s := range specs {
		b, err := s.render()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
		out[s.File] = b
	}
	return out, nil
}

// rawBody returns the body bytes as the function must see them after
// decoding: the bytes that are signed.
func (s *EventSpec) rawBody() ([]byte, error) {
	var body []byte
	switch {
	case s.Body != nil:
		body = []byte(*s.Body)
	case s.BodyFile != "":
		var err error
		if body, err = os.ReadFile(s.BodyFile); err != nil {
			return nil, err
		}
	}
	if s.Compact {
		var buf bytes.Buffer
		if err := json.Compact(&buf, body); err != nil {
			return nil, fmt.Errorf("compact: body is not JSON: %w", err)
		}
		body = buf.Bytes()
	}
	return body, nil
}

func (s *EventSpec) render() ([]byte, error) {
	body, err := s.rawBody()
	if err != nil {
		return nil, err
	}
	domain := apiID + ".execute-api." + region + ".amazonaws.com"
	headers := map[string]string{
		"accept":            "*/*",
		"content-length":    strconv.Itoa(len(body)),
		"host":              domain,
		"user-agent":        userAgent,
		"x-amzn-trace-id":   "Root=1-" + strconv.FormatInt(requestTime.Unix(), 16) + "-" + digest(s.File, 24),
		"x-forwarded-for":   sourceIP,
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
	}
	if s.ContentType != "" {
		headers["content-type"] = s.ContentType
	}
	if s.SignWith != "" {
		headers[periskope.SignatureHeader] = periskope.Sign(body, s.SignWith)
	}
	for name, value := range s.Headers {
		headers[strings.ToLower(name)] = value
	}
	encoded := string(body)
	if s.Base64 {
		encoded = base64.StdEncoding.EncodeToString(body)
	}
	routeKey := s.Method + " " + s.Path
	req := request{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        s.Path,
		RawQueryString: "",
		Headers:        headers,
		RequestContext: requestContext{
			AccountID:    accountID,
			APIID:        apiID,
			DomainName:   domain,
			DomainPrefix: apiID,
			HTTP: httpContext{
				Method:    s.Method,
				Path:      s.Path,
				Protocol:  "HTTP/1.1",
				SourceIP:  sourceIP,
				UserAgent: userAgent,
			},
			RequestID: requestID(s.File),
			RouteKey:  routeKey,
			Stage:     "$default",
			Time:      requestTime.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: requestTime.UnixMilli(),
		},
		Body:            encoded,
		IsBase64Encoded: s.Base64,
	}
	if s.Authorizer == "iam" {
		req.RequestContext.Authorizer = iamSampleCaller
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// requestID is stable per sample and shaped like API Gateway's ("LV7fzho-PHcEJPw=").
func requestID(file string) string {
	sum := sha256.Sum256([]byte(file))
	return base64.URLEncoding.EncodeToString(sum[:11])
}

func digest(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum[:])[:n]
}
