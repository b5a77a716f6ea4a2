// Package faults runs the real bootstrap binaries under AWS's Runtime
// Interface Emulator, with moto_server and the Periskope sandbox, while their
// dependencies fail: moto_server stopped and restarted, the Secrets Manager
// secret deleted or unreachable, Periskope answering 429, 500 or hanging.
// Each test asserts the documented answers and, through the sandbox's and a
// proxy's counters, how many calls were made.
package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/dev/sandbox"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// The directory of the host builds of the template's functions and the
// emulator (stack.Build), and the template, made and read once by TestMain.
var (
	binDir   string
	template *deployment.Deployment
)

func TestMain(m *testing.M) {
	os.Exit(testkit.MainWithDir(m, "faults", func(dir string) error {
		root, err := deployment.FindRoot()
		if err != nil {
			return err
		}
		if template, err = deployment.Load(root); err != nil {
			return err
		}
		binDir = dir
		return stack.Build(context.Background(), root, dir)
	}))
}

// startMoto starts moto_server with the local table and secrets.
func startMoto(t *testing.T) *motoserver.Server {
	t.Helper()
	moto := motoserver.Start(t)
	if err := moto.ProvisionLocal(context.Background()); err != nil {
		t.Fatal(err)
	}
	return moto
}

// function is the function name as template.yaml deploys it
// (stack.FunctionConfig) against b, its output to out, in a pool of
// concurrency environments (one prewarmed), behind its route.
func function(t *testing.T, name string, b stack.Backends, out io.Writer, concurrency int) benchkit.APIFunction {
	t.Helper()
	spec, err := stack.Spec(template, name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stack.FunctionConfig(template, spec, lambdabuild.EmulatorPath(binDir), lambdabuild.BootstrapPath(binDir, name), b)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Output, cfg.Concurrency, cfg.Prewarm = out, concurrency, 1
	return benchkit.APIFunction{Config: cfg, Method: spec.Method, Path: spec.Path, Deadline: spec.Deadline}
}

// webhookAPI serves the webhook against moto behind the gateway, in a pool
// of concurrency environments, its answers recorded by rec, until the test
// ends; it returns the webhook's URL.
func webhookAPI(t *testing.T, moto *motoserver.Server, logs io.Writer, rec *recorder, concurrency int) string {
	t.Helper()
	fn := function(t, stack.WebhookFunction, stack.Backends{AWSEndpoint: moto.Endpoint}, logs, concurrency)
	api, err := benchkit.StartAPI([]benchkit.APIFunction{fn}, rec.wrap)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	return api.URL + fn.Path
}

// answer is one response the gateway gave.
type answer struct {
	phase  string
	status int
	body   string
}

// recorder wraps the gateway and keeps every answer with the phase of the
// test it was given in (when it was answered).
type recorder struct {
	mu      sync.Mutex
	phase   string
	answers []answer
}

func (r *recorder) setPhase(p string) {
	r.mu.Lock()
	r.phase = p
	r.mu.Unlock()
}

func (r *recorder) all() []answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]answer(nil), r.answers...)
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rw := &capture{ResponseWriter: w}
		next.ServeHTTP(rw, req)
		r.mu.Lock() // the phase when the answer was given
		r.answers = append(r.answers, answer{phase: r.phase, status: rw.status, body: string(rw.body)})
		r.mu.Unlock()
	})
}

type capture struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (c *capture) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body = append(c.body, p...)
	return c.ResponseWriter.Write(p)
}

// sandboxCreate creates a ticket directly in the sandbox, as a Periskope
// user would in the app, and returns its id.
func sandboxCreate(t *testing.T, sb *sandbox.Server, subject string) string {
	t.Helper()
	r := benchkit.Send(context.Background(), http.DefaultClient, sb.BaseURL()+"/tickets/create",
		map[string]string{"Authorization": "Bearer " + local.APIKey, "x-phone": local.Phone, "Content-Type": "application/json"},
		[]byte(fmt.Sprintf(`{"chat_id":"919876543210@c.us","subject":%q}`, subject)))
	if r.Err != nil || r.Status != 200 {
		t.Fatalf("sandbox create: %d %s %v", r.Status, r.Body, r.Err)
	}
	return ticketID(t, r.Body)
}

// waitFor polls cond every 50ms until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
