package periskope_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// The tests' Periskope is periskopetest's Fake, which fails the test on any
// request the OpenAPI description does not allow, behind a real loopback
// server, or behind an in-memory one inside a synctest bubble.

const (
	testAPIKey = "test-api-key"
	testPhone  = "919876543210"
)

// responder answers the n-th request (from 1) the fake received.
type responder = periskopetest.Responder

// fakeAPI is a periskopetest.Fake with a server in front of it.
type fakeAPI struct {
	*periskopetest.Fake
	srv      *httptest.Server
	inMemory bool // reached only through srv.Client()
}

// newFakeAPI starts a fake on loopback that answers with respond.
func newFakeAPI(t testing.TB, respond responder) *fakeAPI {
	t.Helper()
	f := &fakeAPI{Fake: periskopetest.New(t, respond)}
	f.srv = httptest.NewServer(f.Fake)
	t.Cleanup(f.srv.Close)
	return f
}

// newBubbleAPI starts a fake on the in-memory network, for a synctest
// bubble (which real sockets would leave); clients reach it through
// Client's transport.
func newBubbleAPI(t testing.TB, respond responder) *fakeAPI {
	t.Helper()
	f := &fakeAPI{Fake: periskopetest.New(t, respond), inMemory: true}
	f.srv = httptest.NewTestServer(t, f.Fake)
	f.srv.Client() // sets srv.URL
	return f
}

// URL is the base URL to give the client, with the /v1 prefix of the
// specs' server.
func (f *fakeAPI) URL() string { return f.srv.URL + "/v1" }

// waits are the pauses between the requests the fake received: inside a
// synctest bubble, where a request takes no time, exactly the client's
// waits before each retry (and the attempts that timed out).
func (f *fakeAPI) waits() []time.Duration {
	var d []time.Duration
	reqs := f.Requests()
	for i := 1; i < len(reqs); i++ {
		d = append(d, reqs[i].Time.Sub(reqs[i-1].Time))
	}
	return d
}

// testEpoch is when the bubbles' clocks start: synctest's own start,
// 2000-01-01, is below the 1e9 epoch seconds from which an
// X-RateLimit-Reset counts as a date.
var testEpoch = time.Date(2025, 1, 27, 11, 7, 52, 0, time.UTC)

// inBubble runs f in a synctest bubble whose clock reads testEpoch.
func inBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(testEpoch))
		f(t)
	})
}

// createExample is the 200 example of the seed spec's create operation, as
// JSON.
func createExample(t testing.TB) []byte {
	t.Helper()
	b := periskopetest.Example("createTicket", http.StatusOK)
	if b == nil {
		t.Fatal("seed spec has no 200 example of createTicket")
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

// testPolicy retries fast; inside a bubble the waits are free anyway.
var testPolicy = periskope.RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, AttemptTimeout: 5 * time.Second, RateLimitMaxWait: time.Minute}

// newTestClient builds a client of f with the test key, phone and policy
// (and the in-memory transport for a bubble's fake); opts come last and may
// override them.
func newTestClient(t testing.TB, f *fakeAPI, opts ...periskope.Option) *periskope.Client {
	t.Helper()
	base := []periskope.Option{
		periskope.WithBaseURL(f.URL()),
		periskope.WithAPIKey(testAPIKey),
		periskope.WithPhone(testPhone),
		periskope.WithRetryPolicy(testPolicy),
	}
	if f.inMemory {
		base = append(base, periskope.WithHTTPClient(f.srv.Client()))
	}
	c, err := periskope.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
