package periskope_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// This file holds the conformance-checking fake Periskope: an httptest server
// that validates every request the client sends against the seed OpenAPI
// (POST /tickets/create) and the supplementary spec (get, list, update), and
// fails the test on any violation, then answers as the test tells it.

const (
	testAPIKey = "test-api-key"
	testPhone  = "919876543210"
	// specServer is the server URL of both specs; requests are matched
	// against the specs as if they had been sent there.
	specServer = "https://api.periskope.app"
)

// specs are loaded once: both documents are validated by legacy.NewRouter
// (examples included) on the way.
var specs = sync.OnceValues(func() ([]*openapi3.T, error) {
	var docs []*openapi3.T
	for _, name := range []string{"create-ticket.openapi.yaml", "tickets.openapi.yaml"} {
		doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("testdata", name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
})

func specRouters(t testing.TB) []routers.Router {
	t.Helper()
	docs, err := specs()
	if err != nil {
		t.Fatalf("loading specs: %v", err)
	}
	var rs []routers.Router
	for _, doc := range docs {
		r, err := legacy.NewRouter(doc)
		if err != nil {
			t.Fatalf("spec %q: %v", doc.Info.Title, err)
		}
		rs = append(rs, r)
	}
	return rs
}

// recordedRequest is one request the fake received.
type recordedRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	OpID   string // operationId of the spec operation it matched
}

// responder answers the n-th request (from 1) the fake received.
type responder func(w http.ResponseWriter, r *http.Request, n int)

// fakeAPI is the conformance-checking fake Periskope.
type fakeAPI struct {
	t       testing.TB
	srv     *httptest.Server
	routers []routers.Router
	respond responder

	mu       sync.Mutex
	requests []recordedRequest
}

// newFakeAPI starts a fake that answers with respond after checking each
// request against the specs.
func newFakeAPI(t testing.TB, respond responder) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, routers: specRouters(t), respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the base URL to give the client, with the /v1 prefix the specs'
// server has.
func (f *fakeAPI) URL() string { return f.srv.URL + "/v1" }

// Requests returns what the fake received so far.
func (f *fakeAPI) Requests() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Count is the number of requests received.
func (f *fakeAPI) Count() int { return len(f.Requests()) }

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("reading request body: %v", err)
		return
	}
	rec := recordedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	rec.OpID = f.check(r, body)
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	n := len(f.requests)
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.respond(w, r, n)
}

// xPhonePattern is what the notes allow in x-phone.
var xPhonePattern = regexp.MustCompile(`^([1-9][0-9]{6,14}|phone-[a-z0-9]+)$`)

// check validates one request against the specs and the notes' header
// rules, reporting every violation as a test error. It returns the matched
// operationId.
func (f *fakeAPI) check(r *http.Request, body []byte) string {
	// Match as if sent to the specs' server.
	u := *r.URL
	u.Scheme, u.Host = "https", strings.TrimPrefix(specServer, "https://")
	vreq := r.Clone(context.Background())
	vreq.URL = &u
	vreq.Host = u.Host
	vreq.RequestURI = ""

	var route *routers.Route
	var params map[string]string
	for _, router := range f.routers {
		if rt, p, err := router.FindRoute(vreq); err == nil {
			route, params = rt, p
			break
		}
	}
	if route == nil {
		f.t.Errorf("conformance: %s %s matches no operation of the specs", r.Method, r.URL.Path)
		return ""
	}
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    vreq,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:                        true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                checkBearer,
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		f.t.Errorf("conformance: %s %s (%s) violates the spec: %v\nbody: %s", r.Method, r.URL.Path, route.Operation.OperationID, err, body)
	}
	f.checkKnownFields(route, body)
	if got := r.Header.Get("x-phone"); !xPhonePattern.MatchString(got) {
		f.t.Errorf("conformance: x-phone %q is neither digits with country code nor a phone id", got)
	}
	if len(body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		f.t.Errorf("conformance: body sent with Content-Type %q", r.Header.Get("Content-Type"))
	}
	return route.Operation.OperationID
}

// checkBearer is the spec's bearerAuth: "Authorization: Bearer <key>" with
// the test key.
func checkBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type != "http" || in.SecurityScheme.Scheme != "bearer" {
		return fmt.Errorf("unexpected security scheme %s/%s", in.SecurityScheme.Type, in.SecurityScheme.Scheme)
	}
	got := in.RequestValidationInput.Request.Header.Get("Authorization")
	key, ok := strings.CutPrefix(got, "Bearer ")
	if !ok || key == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// checkKnownFields fails on body members the operation's schema does not
// name: the seed spec does not forbid additional properties, but a client
// that sends them is sending something Periskope never documented.
func (f *fakeAPI) checkKnownFields(route *routers.Route, body []byte) {
	rb := route.Operation.RequestBody
	if rb == nil || len(body) == 0 {
		return
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		f.t.Errorf("conformance: body is not a JSON object: %v", err)
		return
	}
	for name := range members {
		if _, ok := mt.Schema.Value.Properties[name]; !ok {
			f.t.Errorf("conformance: %s sends %q, which its schema does not define", route.Operation.OperationID, name)
		}
	}
}

// createExample is the 200 example of the seed spec's create operation, as
// JSON.
func createExample(t testing.TB) []byte {
	t.Helper()
	docs, err := specs()
	if err != nil {
		t.Fatal(err)
	}
	op := docs[0].Paths.Value("/tickets/create").Post
	ex := op.Responses.Status(200).Value.Content.Get("application/json").Examples["200 OK"]
	if ex == nil || ex.Value == nil {
		t.Fatal("seed spec has no 200 OK example")
	}
	b, err := json.Marshal(ex.Value.Value)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reply writes a JSON answer with Periskope's headers.
func reply(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-periskope-trace-id", "trace-123")
	w.Header().Set("X-RateLimit-Limit", "10")
	w.Header().Set("X-RateLimit-Remaining", "9")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// always answers every request with the same status and body.
func always(status int, body []byte) responder {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, status, body) }
}

// sequence answers the n-th request with steps[n-1], and the last step
// after that.
func sequence(steps ...responder) responder {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		steps[min(n, len(steps))-1](w, r, n)
	}
}

// fakeClock is a Clock whose Sleep returns at once (or when ctx is done),
// advancing Now and recording the wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 27, 11, 7, 52, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// testPolicy retries fast; the fake clock makes the waits free anyway.
var testPolicy = periskope.RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, AttemptTimeout: 5 * time.Second, RateLimitMaxWait: time.Minute}

// newTestClient builds a client of f with the test key, phone, policy and
// clock; opts come last and may override them.
func newTestClient(t testing.TB, f *fakeAPI, clk periskope.Clock, opts ...periskope.Option) *periskope.Client {
	t.Helper()
	base := []periskope.Option{
		periskope.WithBaseURL(f.URL()),
		periskope.WithAPIKey(testAPIKey),
		periskope.WithPhone(testPhone),
		periskope.WithRetryPolicy(testPolicy),
		periskope.WithClock(clk),
	}
	c, err := periskope.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
