// Package periskopetest is a fake Periskope API for tests, as
// net/http/httptest is for HTTP: a handler that checks every request
// against Periskope's OpenAPI description and the rules of its headers,
// fails the test on any violation, records the request, and answers as the
// test tells it.
//
//	fake := periskopetest.New(t, func(w http.ResponseWriter, r *http.Request, n int) { ... })
//	srv := httptest.NewServer(fake) // or httptest.NewTestServer inside a synctest bubble
//	c, _ := periskope.New(periskope.WithBaseURL(srv.URL+"/v1"), ...)
//
// The OpenAPI documents are embedded once here; the local sandbox validates
// with the same Validator.
package periskopetest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

// OpenAPI holds Periskope's API description: create-ticket.openapi.yaml
// (POST /tickets/create, from Periskope's published page, its request
// example repaired) and tickets.openapi.yaml (list, get and update).
//
//go:embed *.openapi.yaml
var OpenAPI embed.FS

// specNames are the documents of OpenAPI, create first.
var specNames = []string{"create-ticket.openapi.yaml", "tickets.openapi.yaml"}

// specServer is the server both documents declare; requests are matched as
// if they had been sent there.
const specServer = "https://api.periskope.app"

// Validator checks requests against the OpenAPI documents.
type Validator struct {
	routers []routers.Router
}

// NewValidator loads and validates the documents of OpenAPI.
func NewValidator() (*Validator, error) {
	docs, err := loadDocs()
	if err != nil {
		return nil, err
	}
	v := &Validator{}
	for i, doc := range docs {
		router, err := legacy.NewRouter(doc) // also validates the document
		if err != nil {
			return nil, fmt.Errorf("periskopetest: %s: %w", specNames[i], err)
		}
		v.routers = append(v.routers, router)
	}
	return v, nil
}

// loadDocs parses the documents of OpenAPI, in the order of specNames, once:
// every Validator and Example only reads them.
var loadDocs = sync.OnceValues(func() ([]*openapi3.T, error) {
	var docs []*openapi3.T
	for _, name := range specNames {
		data, err := OpenAPI.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("periskopetest: %s: %w", name, err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
})

// Validate checks r and its body against the operation it matches (a bearer
// token only for presence). Its error is one line, fit for an API's 400
// answer: kin-openapi's, naming the parameter or member at fault (no schema or
// body value), or that no operation matches; a value or path it quotes as
// sent has its control characters escaped.
func (v *Validator) Validate(r *http.Request, body []byte) error {
	if _, err := v.validate(r, body); err != nil {
		return escapedError{err}
	}
	return nil
}

// escapedError is kin-openapi's error with control characters escaped: it
// quotes a query parameter's value as sent, which may hold a line break.
type escapedError struct{ error }

func (e escapedError) Error() string { return text.Escape(e.error.Error()) }
func (e escapedError) Unwrap() error { return e.error }

func (v *Validator) validate(r *http.Request, body []byte) (*routers.Route, error) {
	u, err := url.Parse(specServer + r.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	vreq := r.Clone(context.Background())
	vreq.URL, vreq.Host, vreq.RequestURI = u, u.Host, ""
	for _, router := range v.routers {
		route, params, err := router.FindRoute(vreq)
		if err != nil {
			continue
		}
		vreq.Body = io.NopCloser(bytes.NewReader(body))
		return route, openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request:    vreq,
			PathParams: params,
			Route:      route,
			Options: &openapi3filter.Options{
				AuthenticationFunc:                bearerPresent,
				SkipSettingDefaults:               true,
				RejectWhenRequestBodyNotSpecified: true,
				// Errors on one line: no schema or value dump.
				SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
			},
		})
	}
	return nil, fmt.Errorf("%s %s matches no operation of the spec", r.Method, r.URL.Path)
}

// Example returns the example answer the OpenAPI documents give for
// operationID with status, as JSON (the first by name if there are
// several), or nil if they give none.
func Example(operationID string, status int) []byte {
	docs, _ := loadDocs() // NewValidator reports a document that does not load
	for _, doc := range docs {
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if op.OperationID != operationID || op.Responses.Status(status) == nil {
					continue
				}
				mt := op.Responses.Status(status).Value.Content.Get("application/json")
				if mt == nil || len(mt.Examples) == 0 {
					return nil
				}
				b, _ := json.Marshal(mt.Examples[slices.Sorted(maps.Keys(mt.Examples))[0]].Value.Value)
				return b
			}
		}
	}
	return nil
}

// bearerPresent is the spec's bearerAuth: "Authorization: Bearer <key>";
// which key is right is the server's business.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type != "http" || in.SecurityScheme.Scheme != "bearer" {
		return fmt.Errorf("unexpected security scheme %s/%s", in.SecurityScheme.Type, in.SecurityScheme.Scheme)
	}
	key, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok || key == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// Request is one request the Fake received.
type Request struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
	OperationID         string    // of the spec operation it matched
	Time                time.Time // when it arrived (a synctest bubble's clock inside one)
}

// Responder answers the n-th request (from 1) the Fake received.
type Responder func(w http.ResponseWriter, r *http.Request, n int)

// Fake checks each request against the spec, records it and answers it.
type Fake struct {
	t         testing.TB
	validator *Validator
	respond   Responder

	mu       sync.Mutex
	requests []Request
}

// New returns a Fake that answers with respond. It fails t at once if the
// embedded documents do not load.
func New(t testing.TB, respond Responder) *Fake {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return &Fake{t: t, validator: v, respond: respond}
}

// Requests returns what the Fake received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Count is the number of requests received.
func (f *Fake) Count() int { return len(f.Requests()) }

// ServeHTTP checks and records r, then answers it.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("periskopetest: reading request body: %v", err)
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: time.Now()}
	rec.OperationID = f.check(r, body)
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	n := len(f.requests)
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.respond(w, r, n)
}

// xPhone is what Periskope allows in x-phone: the number with country code,
// or a phone id.
var xPhone = regexp.MustCompile(`^([1-9][0-9]{6,14}|phone-[a-z0-9]+)$`)

// CheckPhone reports why Periskope would refuse phone as an x-phone, or nil.
func CheckPhone(phone string) error {
	if phone == "" {
		return errors.New("x-phone header is required")
	}
	if !xPhone.MatchString(phone) {
		return fmt.Errorf("x-phone %q must be the number with country code as digits (e.g. 919876543210) or a phone id (phone-...)", phone)
	}
	return nil
}

// check reports every way r breaks the spec (a body's Content-Type
// included) or the header rules as a test error, and returns the operation
// id it matched.
func (f *Fake) check(r *http.Request, body []byte) string {
	route, err := f.validator.validate(r, body)
	if route == nil {
		f.t.Errorf("periskopetest: %v", err)
		return ""
	}
	op := route.Operation.OperationID
	if err != nil {
		f.t.Errorf("periskopetest: %s %s (%s) violates the spec: %v\nbody: %s", r.Method, r.URL.Path, op, err, body)
	}
	for _, name := range unknownMembers(route, body) {
		f.t.Errorf("periskopetest: %s sends %q, which its schema does not define", op, name)
	}
	if err := CheckPhone(r.Header.Get("x-phone")); err != nil {
		f.t.Errorf("periskopetest: %v", err)
	}
	return op
}

// unknownMembers lists the body's members the operation's schema does not
// name: the seed spec does not forbid additional properties, but a client
// that sends them sends something Periskope never documented.
func unknownMembers(route *routers.Route, body []byte) []string {
	rb := route.Operation.RequestBody
	if rb == nil || len(body) == 0 {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil // the spec validation has reported it
	}
	var unknown []string
	for name := range members {
		if _, ok := mt.Schema.Value.Properties[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}
