package createticket_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// upstream is the tests' Periskope: periskopetest's Fake (which fails the
// test on any request the OpenAPI description does not allow) on the
// in-memory network of httptest.NewTestServer, so that a test may run in a
// synctest bubble; on top of it, the API keys it accepts and the answers a
// test chooses.
type upstream struct {
	*periskopetest.Fake
	t   testing.TB
	srv *httptest.Server
	ok  []byte // the spec's 200 example of a create

	mu      sync.Mutex
	keys    []string // accepted API keys; others get 401
	replies []reply  // the n-th accepted create gets replies[n-1], the last one after that
	bodies  [][]byte // bodies of the creates accepted
	answers [][]byte // bodies of the 200s sent
}

const testPhone = "919876543210"

// reply is one answer of the upstream.
type reply func(w http.ResponseWriter, r *http.Request)

func newUpstream(t testing.TB, keys ...string) *upstream {
	t.Helper()
	u := &upstream{t: t, keys: keys, ok: periskopetest.Example("createTicket", http.StatusOK)}
	if u.ok == nil {
		t.Fatal("the seed spec has no 200 example of createTicket")
	}
	u.Fake = periskopetest.New(t, u.respond)
	u.srv = httptest.NewTestServer(t, u.Fake)
	u.srv.Client() // sets srv.URL
	return u
}

// URL is the base URL for the client, with the /v1 prefix of the spec's server.
func (u *upstream) URL() string { return u.srv.URL + "/v1" }

// dial connects to the in-memory server.
func (u *upstream) dial() dialer { return u.srv.Client().Transport.(*http.Transport).DialContext }

// Answer sets the replies to the next creates (the last one repeats).
func (u *upstream) Answer(replies ...reply) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.replies = replies
}

// AcceptKeys replaces the accepted API keys.
func (u *upstream) AcceptKeys(keys ...string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.keys = keys
}

// Calls is the number of create requests received, refused ones included.
func (u *upstream) Calls() int { return u.Count() }

// Bodies returns the bodies of the creates that passed authentication.
func (u *upstream) Bodies() [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.bodies)
}

// Answers returns the bodies of the 200s sent.
func (u *upstream) Answers() [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.answers)
}

// respond is the Fake's Responder: the function's own phone only, the
// accepted keys only, then the chosen reply.
func (u *upstream) respond(w http.ResponseWriter, r *http.Request, _ int) {
	if got := r.Header.Get("x-phone"); got != testPhone {
		u.t.Errorf("upstream: x-phone = %q, want %q", got, testPhone)
	}
	body, _ := io.ReadAll(r.Body) // the Fake read it into memory
	key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	u.mu.Lock()
	if !slices.Contains(u.keys, key) {
		u.mu.Unlock()
		answer(http.StatusUnauthorized, `{"code":"unauthorized","message":"Invalid API key"}`)(w, r)
		return
	}
	u.bodies = append(u.bodies, body)
	n := len(u.bodies)
	var rep reply = u.created
	if len(u.replies) > 0 {
		rep = u.replies[min(n, len(u.replies))-1]
	}
	u.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	rep(w, r)
}

// created answers 200 with the spec's example ticket info, its ticket id
// numbered after the request.
func (u *upstream) created(w http.ResponseWriter, _ *http.Request) {
	u.mu.Lock()
	n := len(u.answers) + 1
	body := bytes.Replace(u.ok, []byte(`"ticket_id":"BKT-001"`), fmt.Appendf(nil, `"ticket_id":"BKT-%03d"`, n), 1)
	u.answers = append(u.answers, body)
	u.mu.Unlock()
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
