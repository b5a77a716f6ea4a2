package createticket_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// This file is the fake Periskope of the tests: an httptest server that
// checks every request against the seed OpenAPI description of
// POST /tickets/create (pkg/periskope/periskopetest/create-ticket.openapi.yaml),
// failing the test on any violation, then answers as the test says.

const (
	testPhone  = "919876543210"
	specServer = "https://api.periskope.app" // the spec's server, without /v1
)

var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	// The one copy of the seed document, embedded by periskopetest.
	data, err := periskopetest.OpenAPI.ReadFile("create-ticket.openapi.yaml")
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(data)
})

// reply is one answer of the fake.
type reply func(w http.ResponseWriter, r *http.Request)

// fakePeriskope is the fake Periskope.
type fakePeriskope struct {
	t      testing.TB
	srv    *httptest.Server
	router routers.Router
	ok     []byte // the spec's 200 example, as JSON

	mu        sync.Mutex
	keys      []string // accepted API keys; others get 401
	replies   []reply  // the n-th create gets replies[n-1], the last one after that
	bodies    [][]byte // bodies of the creates received
	answers   [][]byte // bodies of the 200s sent
	authFails int
}

func newFakePeriskope(t testing.TB, keys ...string) *fakePeriskope {
	t.Helper()
	doc, err := loadSpec()
	if err != nil {
		t.Fatalf("loading the seed spec: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("seed spec: %v", err)
	}
	example := doc.Paths.Value("/tickets/create").Post.Responses.Status(200).Value.Content.Get("application/json").Examples["200 OK"]
	ok, err := json.Marshal(example.Value.Value)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePeriskope{t: t, router: router, ok: ok, keys: keys}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the base URL for the client, with the /v1 prefix of the spec's server.
func (f *fakePeriskope) URL() string { return f.srv.URL + "/v1" }

// Answer sets the replies to the next creates (the last one repeats).
func (f *fakePeriskope) Answer(replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = replies
}

// AcceptKeys replaces the accepted API keys.
func (f *fakePeriskope) AcceptKeys(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = keys
}

// Calls is the number of create requests received, refused ones included.
func (f *fakePeriskope) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies) + f.authFails
}

// Bodies returns the bodies of the creates that passed authentication.
func (f *fakePeriskope) Bodies() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies)
}

// Answers returns the bodies of the 200s sent.
func (f *fakePeriskope) Answers() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.answers)
}

func (f *fakePeriskope) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake Periskope: reading body: %v", err)
		return
	}
	f.conform(r, body)
	key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	if !slices.Contains(f.keys, key) {
		f.authFails++
		f.mu.Unlock()
		answer(http.StatusUnauthorized, `{"code":"unauthorized","message":"Invalid API key"}`)(w, r)
		return
	}
	f.bodies = append(f.bodies, body)
	n := len(f.bodies)
	var rep reply = f.created
	if len(f.replies) > 0 {
		rep = f.replies[min(n, len(f.replies))-1]
	}
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rep(w, r)
}

// created answers 200 with the spec's example ticket info, its ticket id
// numbered after the request.
func (f *fakePeriskope) created(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	n := len(f.answers) + 1
	body := bytes.Replace(f.ok, []byte(`"ticket_id":"BKT-001"`), fmt.Appendf(nil, `"ticket_id":"BKT-%03d"`, n), 1)
	f.answers = append(f.answers, body)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-periskope-trace-id", fmt.Sprintf("trace-%03d", n))
	w.Header().Set("X-RateLimit-Limit", "10")
	w.Header().Set("X-RateLimit-Remaining", "9")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// answer replies status with a JSON body and Periskope's trace id.
func answer(status int, body string, headers ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("x-periskope-trace-id", "trace-err")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hang never answers; it returns when the client gives up or release is closed.
func hang(release <-chan struct{}) reply {
	return func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

// conform checks the request against the spec and the notes' header rules.
func (f *fakePeriskope) conform(r *http.Request, body []byte) {
	u := *r.URL
	u.Scheme, u.Host = "https", strings.TrimPrefix(specServer, "https://")
	vreq := r.Clone(context.Background())
	vreq.URL, vreq.Host, vreq.RequestURI = &u, u.Host, ""
	route, params, err := f.router.FindRoute(vreq)
	if err != nil {
		f.t.Errorf("fake Periskope: %s %s is no operation of the spec: %v", r.Method, r.URL.Path, err)
		return
	}
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: bearerPresent},
	})
	if err != nil {
		f.t.Errorf("fake Periskope: request violates the spec: %v\nbody: %s", err, body)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		f.t.Errorf("fake Periskope: body is not a JSON object: %s", body)
	}
	props := route.Operation.RequestBody.Value.Content.Get("application/json").Schema.Value.Properties
	for name := range members {
		if _, ok := props[name]; !ok {
			f.t.Errorf("fake Periskope: body member %q is not in the spec", name)
		}
	}
	if got := r.Header.Get("x-phone"); got != testPhone {
		f.t.Errorf("fake Periskope: x-phone = %q, want %q", got, testPhone)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("fake Periskope: Content-Type = %q", ct)
	}
}

func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if key, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer "); !ok || key == "" {
		return errors.New("no bearer token")
	}
	return nil
}
