package rie_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie/rietest"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// The emulator and the test function, built once by TestMain.
var emulator, echoBootstrap string

func TestMain(m *testing.M) {
	os.Exit(testkit.MainWithDir(m, "rie-test", func(dir string) (err error) {
		emulator, echoBootstrap, err = rietest.Build(context.Background(), dir)
		return err
	}))
}

// baseConfig is a valid config; tests change one thing at a time.
func baseConfig() rie.Config {
	return rie.Config{
		Emulator:  emulator,
		Name:      "EchoFunction",
		Bootstrap: echoBootstrap,
		Timeout:   5 * time.Second,
		Output:    &testkit.Buffer{},
	}
}

func start(t *testing.T, cfg rie.Config) *rie.Function {
	t.Helper()
	f, err := rie.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func invoke(t *testing.T, f *rie.Function, event string) *rie.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	return res
}

func decode[T any](t *testing.T, res *rie.Result) T {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("function failed: %v", res.Error)
	}
	var v T
	if err := json.Unmarshal(res.Payload, &v); err != nil {
		t.Fatalf("response %q: %v", res.Payload, err)
	}
	return v
}

func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// runtimePID is the bootstrap process that answered (echofn reports it).
func runtimePID(t *testing.T, f *rie.Function) int {
	t.Helper()
	return decode[struct {
		PID int `json:"pid"`
	}](t, invoke(t, f, `{"action":"sleep","ms":0}`)).PID
}

func TestInvokeEchoesEventAndStaysWarm(t *testing.T) {
	f := start(t, baseConfig())
	event := `{"hello":"world","n":[1,2,3]}`

	first := invoke(t, f, event)
	if first.Error != nil || string(first.Payload) != event {
		t.Fatalf("first = %q, %v; want the event back", first.Payload, first.Error)
	}
	if first.InitDuration <= 0 {
		t.Errorf("first invocation InitDuration = %v, want the emulator's INIT REPORT", first.InitDuration)
	}
	second := invoke(t, f, event)
	if second.PID != first.PID {
		t.Errorf("second invocation ran in emulator %d, want the warm one %d", second.PID, first.PID)
	}
	if second.InitDuration != 0 {
		t.Errorf("warm invocation InitDuration = %v, want 0", second.InitDuration)
	}
	if second.RequestID == first.RequestID || second.RequestID == "" {
		t.Errorf("request ids %q and %q must differ", first.RequestID, second.RequestID)
	}
}

func TestRuntimeHeadersReachTheHandler(t *testing.T) {
	cfg := baseConfig()
	cfg.Timeout = 7 * time.Second
	f := start(t, cfg)
	invoke(t, f, `{}`) // init, so that the deadline below is the invocation's

	before := time.Now()
	res := invoke(t, f, `{"action":"context"}`)
	after := time.Now()
	got := decode[struct {
		RequestID   string `json:"request_id"`
		FunctionARN string `json:"function_arn"`
		DeadlineMs  int64  `json:"deadline_ms"`
	}](t, res)

	if got.RequestID != res.RequestID {
		t.Errorf("handler saw request id %q, result has %q", got.RequestID, res.RequestID)
	}
	if !strings.HasSuffix(got.FunctionARN, ":function:EchoFunction") {
		t.Errorf("function ARN = %q, want the function's name in it", got.FunctionARN)
	}
	lo, hi := before.Add(cfg.Timeout).UnixMilli(), after.Add(cfg.Timeout).UnixMilli()
	if got.DeadlineMs < lo || got.DeadlineMs > hi {
		t.Errorf("deadline %d outside [%d, %d]", got.DeadlineMs, lo, hi)
	}
}

func TestFunctionEnvironment(t *testing.T) {
	cfg := baseConfig()
	cfg.MemoryMB = 256
	cfg.Timeout = 2500 * time.Millisecond
	cfg.Env = map[string]string{"TICKETS_TABLE": "periskope-tickets", "AWS_LAMBDA_LOG_FORMAT": "Text"}
	t.Setenv("ECHOFN_LEAK_CHECK", "leaked")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYOFTHEDEV0")
	f := start(t, cfg)

	env := decode[map[string]string](t, invoke(t, f, `{"action":"env"}`))
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "EchoFunction",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     "3", // whole seconds, rounded up
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/EchoFunction",
		"AWS_REGION":                      local.Region,
		"AWS_DEFAULT_REGION":              local.Region,
		"_HANDLER":                        "bootstrap",
		"TICKETS_TABLE":                   "periskope-tickets",
		"AWS_LAMBDA_LOG_FORMAT":           "Text", // the function's own env wins
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_LOG_STREAM_NAME"} {
		if env[k] == "" {
			t.Errorf("%s is not set", k)
		}
	}
	if env["AWS_ACCESS_KEY_ID"] == "AKIAREALKEYOFTHEDEV0" {
		t.Error("the developer's credentials reached the function")
	}
	if !strings.HasPrefix(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a loopback address", env["AWS_LAMBDA_RUNTIME_API"])
	}
	if _, ok := env["ECHOFN_LEAK_CHECK"]; ok {
		t.Error("the harness's own environment leaked into the function")
	}
}

func TestConcurrentInvocationsUseAPool(t *testing.T) {
	cfg := baseConfig()
	cfg.Concurrency = 3
	f := start(t, cfg)

	const n = 9
	var wg sync.WaitGroup
	results := make([]*rie.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":300}`))
		})
	}
	wg.Wait()
	pids := map[int]bool{}
	for i := range n {
		if errs[i] != nil || results[i].Error != nil {
			t.Fatalf("invocation %d: %v %v", i, errs[i], results[i])
		}
		pids[results[i].PID] = true
	}
	if len(pids) < 2 || len(pids) > cfg.Concurrency {
		t.Errorf("%d invocations ran in %d environments, want 2..%d", n, len(pids), cfg.Concurrency)
	}
	if live := f.PIDs(); len(live) != len(pids) {
		t.Errorf("PIDs() = %v, want the %d environments that ran", live, len(pids))
	}
}

func TestOneInvocationAtATimePerEnvironment(t *testing.T) {
	f := start(t, baseConfig()) // Concurrency defaults to 1

	var wg sync.WaitGroup
	results := make([]*rie.Result, 4)
	for i := range results {
		wg.Go(func() {
			res, err := f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":50}`))
			if err != nil {
				t.Errorf("Invoke: %v", err)
				return
			}
			results[i] = res
		})
	}
	wg.Wait()
	for _, res := range results {
		if res == nil || res.Error != nil || res.PID != results[0].PID {
			t.Fatalf("results %+v: want all served by one environment", results)
		}
	}
}

// A crash fails the invocation; the emulator starts the bootstrap again.
func TestCrashFailsTheInvocationAndTheRuntimeRestarts(t *testing.T) {
	f := start(t, baseConfig())
	before := runtimePID(t, f)

	crashed := invoke(t, f, `{"action":"crash"}`)
	if crashed.Error == nil || crashed.Error.Type != "Runtime.ExitError" || !strings.Contains(crashed.Error.Message, "exit status 3") {
		t.Fatalf("crash result error = %v, want Runtime.ExitError with exit status 3", crashed.Error)
	}
	if processAlive(before) {
		t.Errorf("crashed bootstrap %d still exists", before)
	}
	if after := runtimePID(t, f); after == before {
		t.Errorf("after the crash the same bootstrap %d answered", after)
	}
}

func TestPanicFailsTheInvocation(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, `{"action":"panic"}`)
	if res.Error == nil || !strings.Contains(res.Error.Message, "panic on purpose") {
		t.Fatalf("panic result error = %v, want the panic message", res.Error)
	}
	if got := invoke(t, f, `{"ok":1}`); got.Error != nil || string(got.Payload) != `{"ok":1}` {
		t.Fatalf("after panic: %q %v", got.Payload, got.Error)
	}
}

func TestHandlerErrorKeepsTheRuntime(t *testing.T) {
	f := start(t, baseConfig())
	before := runtimePID(t, f)
	res := invoke(t, f, `{"action":"error"}`)
	if res.Error == nil || res.Error.Type != "errorString" || res.Error.Message != "echofn: failed on purpose" {
		t.Fatalf("error = %+v, want errorString / echofn: failed on purpose", res.Error)
	}
	if after := runtimePID(t, f); after != before {
		t.Errorf("after a handled error the bootstrap changed from %d to %d", before, after)
	}
}

// A response shaped like an error document only in part is a response.
func TestResponseWithErrorFieldsIsNotAnError(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, `{"errorType":"x","errorMessage":"y","statusCode":200}`)
	if res.Error != nil {
		t.Errorf("error = %v, want a response", res.Error)
	}
}

func TestTimeoutFailsAndTheRuntimeRestarts(t *testing.T) {
	cfg := baseConfig()
	cfg.Timeout = time.Second
	f := start(t, cfg)
	before := runtimePID(t, f)

	res := invoke(t, f, `{"action":"sleep","ms":20000}`)
	if res.Error == nil || res.Error.Type != "Sandbox.Timedout" || !strings.Contains(res.Error.Message, "Task timed out after 1.00 seconds") {
		t.Fatalf("error = %v, want Sandbox.Timedout", res.Error)
	}
	if res.Duration > 5*time.Second {
		t.Errorf("the timeout took %v to answer", res.Duration)
	}
	if processAlive(before) {
		t.Errorf("timed-out bootstrap %d still exists", before)
	}
	if after := runtimePID(t, f); after == before {
		t.Errorf("after the timeout the same bootstrap %d answered", after)
	}
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		name        string
		init        string
		wantType    string
		wantMessage string
	}{
		{"exits", "exit", "Runtime.Unknown", "see its log"},
		{"posts init error then exits", "post", "Echofn.InitError", "init failed on purpose"},
		{"never calls next", "hang", "Sandbox.Timedout", "Task timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.Timeout = time.Second
			cfg.Env = map[string]string{"ECHOFN_INIT": tt.init}
			f := start(t, cfg)
			for i := range 2 { // init is tried again by the next invocation
				res := invoke(t, f, `{}`)
				if res.Error == nil || res.Error.Type != tt.wantType || !strings.Contains(res.Error.Message, tt.wantMessage) {
					t.Fatalf("invocation %d: error = %v (payload %q), want %s containing %q", i, res.Error, res.Payload, tt.wantType, tt.wantMessage)
				}
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, fmt.Sprintf(`{"action":"big","ms":%d}`, rie.MaxResponseBytes))
	if res.Error == nil || res.Error.Type != "Function.ResponseSizeTooLarge" {
		t.Fatalf("error = %v, want Function.ResponseSizeTooLarge", res.Error)
	}
}

func TestOutputIsPrefixed(t *testing.T) {
	cfg := baseConfig()
	out := &testkit.Buffer{}
	cfg.Output = out
	f := start(t, cfg)
	res := invoke(t, f, `{"action":"print"}`)
	_ = f.Close()
	text := out.String()
	for _, want := range []string{
		"[EchoFunction] line to stdout\n",
		"[EchoFunction] line to stderr\n",
		"INIT REPORT(durationMs: ",
		"[EchoFunction] REPORT RequestId: " + res.RequestID,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestCloseStopsEveryProcess(t *testing.T) {
	cfg := baseConfig()
	cfg.Concurrency = 2
	cfg.Prewarm = 2
	f, err := rie.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.PIDs()) != 2 {
		t.Fatalf("PIDs() = %v, want 2 prewarmed environments", f.PIDs())
	}
	invoke(t, f, `{}`) // one of them runs a bootstrap now
	runtimes := f.RuntimePIDs()
	if len(runtimes) != 1 {
		t.Fatalf("RuntimePIDs() = %v, want the one bootstrap", runtimes)
	}
	pids := append(f.PIDs(), runtimes...)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if processAlive(pid) {
			t.Errorf("process %d survived Close", pid)
		}
	}
	if _, err := f.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, rie.ErrClosed) {
		t.Errorf("Invoke after Close: %v, want ErrClosed", err)
	}
}

// An environment whose emulator process is gone is replaced.
func TestADeadEnvironmentIsReplaced(t *testing.T) {
	cfg := baseConfig()
	cfg.Prewarm = 1
	f := start(t, cfg)
	dead := f.PIDs()[0]
	if err := syscall.Kill(dead, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for slices.Contains(f.PIDs(), dead) {
		if time.Now().After(deadline) {
			t.Fatalf("PIDs() = %v still lists the dead emulator %d", f.PIDs(), dead)
		}
		time.Sleep(5 * time.Millisecond)
	}
	res := invoke(t, f, `{"again":1}`)
	if res.Error != nil || res.PID == dead {
		t.Fatalf("after the emulator died: pid %d error %v; want a new environment", res.PID, res.Error)
	}
}

// An emulator killed during an invocation fails that invocation only: the
// next ones run in a new environment at once, although the bootstrap it
// leaves behind still holds its output pipes (it sleeps on), and the pool
// then stops that bootstrap.
func TestAnEmulatorKilledMidInvocationIsReplacedAtOnce(t *testing.T) {
	f := start(t, baseConfig()) // one environment: the next invocation must not get the dead one
	inFlight := make(chan error, 1)
	go func() {
		_, err := f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":60000}`))
		inFlight <- err
	}()
	orphans := rietest.Bootstraps(t, f)
	dead := f.PIDs()[0]
	exited := rie.ExitedOf(f, dead)
	if err := syscall.Kill(dead, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-inFlight; !errors.Is(err, rie.ErrEmulator) {
		t.Errorf("the invocation in flight: %v, want ErrEmulator", err)
	}
	for i := range 5 {
		res := invoke(t, f, fmt.Sprintf(`{"after":%d}`, i))
		if res.Error != nil || res.PID == dead {
			t.Fatalf("invocation %d after the kill: pid %d, error %v; want a live environment", i, res.PID, res.Error)
		}
	}
	if slices.Contains(f.PIDs(), dead) {
		t.Errorf("PIDs() = %v still lists the dead emulator %d", f.PIDs(), dead)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second): // generous: the bootstrap sleeps for a minute
		t.Fatal("the emulator's exit is still not seen")
	}
	// The pool stops the orphan before it reports the exit.
	if left := slices.DeleteFunc(slices.Clone(orphans), notLeftToUs); len(left) > 0 {
		t.Fatalf("the dead emulator's bootstrap %v is still this process's child (state %s)", left, rie.ChildState(left[0]))
	}
}

// An idle bootstrap exits by itself when its emulator dies, often before
// the pool looks for it: it must be reaped all the same, and the bootstrap
// of another function's live emulator left alone. A few rounds, as the
// exit races the pool.
func TestAnIdleEnvironmentsBootstrapIsReapedWhenItsEmulatorDies(t *testing.T) {
	neighbour := start(t, baseConfig())
	live := runtimePID(t, neighbour)
	for round := range 5 {
		f := start(t, baseConfig())
		boot := runtimePID(t, f)
		dead := f.PIDs()[0]
		exited := rie.ExitedOf(f, dead)
		if err := syscall.Kill(dead, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-exited
		if !notLeftToUs(boot) {
			t.Fatalf("round %d: the bootstrap %d of the killed emulator %d is left to this process (state %s)", round, boot, dead, rie.ChildState(boot))
		}
		if pid := runtimePID(t, neighbour); pid != live {
			t.Fatalf("round %d: the other function's bootstrap is %d, want %d still", round, pid, live)
		}
	}
}

// An emulator that ignores its stop signal is killed after the grace period
// with its bootstrap; the bootstrap dies first, and if the emulator dies
// before reaping it, the zombie is reaped by the pool.
func TestCloseReapsTheBootstrapOfAStuckEmulator(t *testing.T) {
	f, err := rie.New(baseConfig())
	if err != nil {
		t.Fatal(err)
	}
	boot := runtimePID(t, f)
	stuck := f.PIDs()[0]
	t.Cleanup(func() { _ = syscall.Kill(stuck, syscall.SIGKILL) })
	// Stopped, it neither handles the stop signal nor reaps its bootstrap.
	if err := syscall.Kill(stuck, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{stuck, boot} {
		if !notLeftToUs(pid) {
			t.Errorf("process %d is left to this process after Close (state %s)", pid, rie.ChildState(pid))
		}
	}
}

// notLeftToUs reports whether pid is neither running nor a zombie child of
// this process.
func notLeftToUs(pid int) bool { return rie.ChildState(pid) == "" }

func TestInvokeGivesUpWaitingWhenContextEnds(t *testing.T) {
	f := start(t, baseConfig())
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		_, _ = f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":1000}`))
	}()
	for len(f.RuntimePIDs()) == 0 { // the only environment is busy
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke with every environment busy: %v, want context.DeadlineExceeded", err)
	}
	<-busy
	if res := invoke(t, f, `{"x":1}`); res.Error != nil {
		t.Errorf("after the queue timed out: %v", res.Error)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := map[string]func(*rie.Config){
		"no name":           func(c *rie.Config) { c.Name = "" },
		"no bootstrap":      func(c *rie.Config) { c.Bootstrap = "" },
		"missing bootstrap": func(c *rie.Config) { c.Bootstrap = filepath.Join(t.TempDir(), "nope") },
		"no emulator":       func(c *rie.Config) { c.Emulator = "" },
		"missing emulator":  func(c *rie.Config) { c.Emulator = filepath.Join(t.TempDir(), "nope") },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := baseConfig()
			mutate(&cfg)
			if _, err := rie.New(cfg); !errors.Is(err, rie.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
}

func TestRelativeBootstrapPath(t *testing.T) {
	t.Chdir(filepath.Dir(filepath.Dir(echoBootstrap)))
	cfg := baseConfig()
	cfg.Bootstrap = filepath.Join(filepath.Base(filepath.Dir(echoBootstrap)), "bootstrap")
	f := start(t, cfg)
	if res := invoke(t, f, `{"rel":1}`); res.Error != nil || string(res.Payload) != `{"rel":1}` {
		t.Fatalf("relative path: %q %v", res.Payload, res.Error)
	}
}
