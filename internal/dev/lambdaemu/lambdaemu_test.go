package lambdaemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdaemu"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// echoBootstrap is the test function binary built by TestMain.
var echoBootstrap string

func TestMain(m *testing.M) {
	os.Exit(testkit.RunWithBinary(m, &echoBootstrap, "./testdata/echofn", "lambda.norpc"))
}

// baseConfig is a valid config; tests change one thing at a time.
func baseConfig() lambdaemu.Config {
	return lambdaemu.Config{
		Name:       "EchoFunction",
		Executable: echoBootstrap,
		Timeout:    5 * time.Second,
		Output:     &testkit.Buffer{},
	}
}

func start(t *testing.T, cfg lambdaemu.Config) *lambdaemu.Function {
	t.Helper()
	f, err := lambdaemu.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func invoke(t *testing.T, f *lambdaemu.Function, event string) *lambdaemu.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := f.Invoke(ctx, []byte(event))
	if err != nil {
		t.Fatalf("Invoke(%s): %v", event, err)
	}
	return res
}

func decode[T any](t *testing.T, res *lambdaemu.Result) T {
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

func TestInvokeEchoesEventAndStaysWarm(t *testing.T) {
	f := start(t, baseConfig())
	event := `{"hello":"world","n":[1,2,3]}`

	first := invoke(t, f, event)
	if first.Error != nil || string(first.Payload) != event {
		t.Fatalf("first = %q, %v; want the event back", first.Payload, first.Error)
	}
	if first.InitDuration <= 0 {
		t.Errorf("first invocation InitDuration = %v, want a cold start", first.InitDuration)
	}
	second := invoke(t, f, event)
	if second.PID != first.PID {
		t.Errorf("second invocation ran in PID %d, want the warm process %d", second.PID, first.PID)
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

	before := time.Now()
	res := invoke(t, f, `{"action":"context"}`)
	after := time.Now()
	got := decode[struct {
		RequestID   string `json:"request_id"`
		FunctionARN string `json:"function_arn"`
		DeadlineMs  int64  `json:"deadline_ms"`
		TraceID     string `json:"trace_id"`
	}](t, res)

	if got.RequestID != res.RequestID {
		t.Errorf("handler saw request id %q, result has %q", got.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"; got.FunctionARN != want || f.ARN() != want {
		t.Errorf("function ARN = %q (ARN() %q), want %q", got.FunctionARN, f.ARN(), want)
	}
	// The deadline is delivery time + timeout, and delivery is inside [before, after].
	lo, hi := before.Add(cfg.Timeout).UnixMilli(), after.Add(cfg.Timeout).UnixMilli()
	if got.DeadlineMs < lo || got.DeadlineMs > hi {
		t.Errorf("deadline %d outside [%d, %d]", got.DeadlineMs, lo, hi)
	}
	if !strings.HasPrefix(got.TraceID, "Root=1-") {
		t.Errorf("trace id %q, want an X-Ray header", got.TraceID)
	}
}

func TestProcessEnvironment(t *testing.T) {
	cfg := baseConfig()
	cfg.MemoryMB = 256
	cfg.Region = "eu-west-1"
	cfg.Env = map[string]string{"TICKETS_TABLE": "periskope-tickets", "AWS_LAMBDA_LOG_FORMAT": "Text"}
	t.Setenv("ECHOFN_LEAK_CHECK", "leaked")
	f := start(t, cfg)

	env := decode[map[string]string](t, invoke(t, f, `{"action":"env"}`))
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "EchoFunction",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/EchoFunction",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
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
	if !strings.HasPrefix(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a loopback address", env["AWS_LAMBDA_RUNTIME_API"])
	}
	if _, ok := env["ECHOFN_LEAK_CHECK"]; ok {
		t.Error("the emulator's own environment leaked into the function")
	}
}

func TestConcurrentInvocationsUseAPool(t *testing.T) {
	cfg := baseConfig()
	cfg.MaxInstances = 3
	f := start(t, cfg)

	const n = 9
	var wg sync.WaitGroup
	results := make([]*lambdaemu.Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":150}`))
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
	if len(pids) < 2 || len(pids) > cfg.MaxInstances {
		t.Errorf("%d invocations ran in %d processes, want 2..%d", n, len(pids), cfg.MaxInstances)
	}
	if live := f.PIDs(); len(live) != len(pids) {
		t.Errorf("PIDs() = %v, want the %d processes that ran", live, len(pids))
	}
}

func TestConcurrentInvocationsQueueOnOneProcess(t *testing.T) {
	f := start(t, baseConfig()) // MaxInstances defaults to 1

	var wg sync.WaitGroup
	results := make([]*lambdaemu.Result, 4)
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
			t.Fatalf("results %+v: want all served by one process", results)
		}
	}
}

func TestCrashFailsTheInvocationAndRestarts(t *testing.T) {
	cfg := baseConfig()
	cfg.Prewarm = 1
	f := start(t, cfg)
	before := invoke(t, f, `{}`)

	crashed := invoke(t, f, `{"action":"crash"}`)
	if crashed.Error == nil || crashed.Error.Type != "Runtime.ExitError" || !strings.Contains(crashed.Error.Message, "exit status 3") {
		t.Fatalf("crash result error = %v, want Runtime.ExitError with exit status 3", crashed.Error)
	}
	if !strings.Contains(string(crashed.Payload), `"errorType":"Runtime.ExitError"`) {
		t.Errorf("payload %s, want the error document", crashed.Payload)
	}
	if processAlive(before.PID) {
		t.Errorf("crashed process %d still exists", before.PID)
	}
	after := invoke(t, f, `{"again":true}`)
	if after.Error != nil || string(after.Payload) != `{"again":true}` {
		t.Fatalf("after crash: %q %v", after.Payload, after.Error)
	}
	if after.PID == before.PID {
		t.Errorf("after crash ran in the dead PID %d", after.PID)
	}
}

func TestPanicFailsTheInvocationAndRestarts(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, `{"action":"panic"}`)
	if res.Error == nil || !strings.Contains(res.Error.Message, "panic on purpose") {
		t.Fatalf("panic result error = %v, want the panic message", res.Error)
	}
	if got := invoke(t, f, `{"ok":1}`); got.Error != nil || string(got.Payload) != `{"ok":1}` {
		t.Fatalf("after panic: %q %v", got.Payload, got.Error)
	}
}

func TestHandlerErrorKeepsTheProcess(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, `{"action":"error"}`)
	if res.Error == nil || res.Error.Type != "errorString" || res.Error.Message != "echofn: failed on purpose" {
		t.Fatalf("error = %+v, want errorString / echofn: failed on purpose", res.Error)
	}
	if next := invoke(t, f, `{}`); next.PID != res.PID {
		t.Errorf("after a handled error the process changed from %d to %d", res.PID, next.PID)
	}
}

func TestTimeoutKillsAndRestarts(t *testing.T) {
	cfg := baseConfig()
	cfg.Timeout = 300 * time.Millisecond
	f := start(t, cfg)

	res := invoke(t, f, `{"action":"sleep","ms":20000}`)
	if res.Error == nil || res.Error.Type != "Sandbox.Timedout" || !strings.Contains(res.Error.Message, "Task timed out after 0.30 seconds") {
		t.Fatalf("error = %v, want Sandbox.Timedout", res.Error)
	}
	if processAlive(res.PID) {
		t.Errorf("timed-out process %d still exists", res.PID)
	}
	next := invoke(t, f, `{"action":"sleep","ms":1}`)
	if next.Error != nil || next.PID == res.PID {
		t.Fatalf("after timeout: pid %d error %v; want a fresh process", next.PID, next.Error)
	}
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		name        string
		init        string
		initTimeout time.Duration
		wantType    string
		wantMessage string
	}{
		{"exits", "exit", 0, "Runtime.ExitError", "exit status 1"},
		{"posts init error then exits", "post", 0, "Echofn.InitError", "init failed on purpose"},
		{"posts init error and hangs", "posthang", 0, "Echofn.InitError", "init failed on purpose"},
		{"never calls next", "hang", 300 * time.Millisecond, "Sandbox.Timedout", "Init phase timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.Env = map[string]string{"ECHOFN_INIT": tt.init}
			cfg.InitTimeout = tt.initTimeout
			f := start(t, cfg)
			first := invoke(t, f, `{}`)
			if first.Error == nil || first.Error.Type != tt.wantType || !strings.Contains(first.Error.Message, tt.wantMessage) {
				t.Fatalf("error = %v, want %s containing %q", first.Error, tt.wantType, tt.wantMessage)
			}
			if processAlive(first.PID) {
				t.Errorf("process %d with a failed init still exists", first.PID)
			}
			// Init is retried by the next invocation, in a new process.
			second := invoke(t, f, `{}`)
			if second.Error == nil || second.Error.Type != tt.wantType || second.PID == first.PID {
				t.Errorf("second invocation: pid %d error %v; want a new process failing the same way", second.PID, second.Error)
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	f := start(t, baseConfig())
	res := invoke(t, f, fmt.Sprintf(`{"action":"big","ms":%d}`, lambdaemu.MaxResponseBytes))
	if res.Error == nil || res.Error.Type != "Function.ResponseSizeTooLarge" {
		t.Fatalf("error = %v, want Function.ResponseSizeTooLarge", res.Error)
	}
}

func TestHooksReportProcessLifecycle(t *testing.T) {
	var mu sync.Mutex
	events := map[string][]lambdaemu.ProcessEvent{}
	record := func(kind string) func(lambdaemu.ProcessEvent) {
		return func(e lambdaemu.ProcessEvent) {
			mu.Lock()
			defer mu.Unlock()
			events[kind] = append(events[kind], e)
		}
	}
	cfg := baseConfig()
	cfg.Hooks = lambdaemu.Hooks{
		ProcessStarted: record("started"),
		InitDone:       record("init"),
		FirstResponse:  record("first"),
		ProcessExited:  record("exited"),
	}
	f, err := lambdaemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res := invoke(t, f, `{}`)
	invoke(t, f, `{}`)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, kind := range []string{"started", "init", "first", "exited"} {
		if len(events[kind]) != 1 || events[kind][0].PID != res.PID || events[kind][0].Function != "EchoFunction" {
			t.Errorf("%s events = %+v, want one for PID %d", kind, events[kind], res.PID)
		}
	}
	if len(events["init"]) == 1 && len(events["first"]) == 1 {
		initDone, first := events["init"][0].Elapsed, events["first"][0].Elapsed
		if initDone <= 0 || first < initDone {
			t.Errorf("init done after %v, first response after %v: want 0 < init <= first", initDone, first)
		}
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
		"[EchoFunction] REPORT RequestId: " + res.RequestID,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestCloseStopsEveryProcess(t *testing.T) {
	cfg := baseConfig()
	cfg.MaxInstances = 2
	cfg.Prewarm = 2
	f, err := lambdaemu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pids := f.PIDs()
	if len(pids) != 2 {
		t.Fatalf("PIDs() = %v, want 2 prewarmed processes", pids)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if processAlive(pid) {
			t.Errorf("process %d survived Close", pid)
		}
	}
	if _, err := f.Invoke(context.Background(), []byte(`{}`)); !errors.Is(err, lambdaemu.ErrClosed) {
		t.Errorf("Invoke after Close: %v, want ErrClosed", err)
	}
}

func TestInvokeGivesUpWaitingWhenContextEnds(t *testing.T) {
	f := start(t, baseConfig())
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		_, _ = f.Invoke(context.Background(), []byte(`{"action":"sleep","ms":1000}`))
	}()
	// Wait until the only process is busy, then ask for another one.
	for len(f.PIDs()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.Invoke(ctx, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke with every process busy: %v, want context.DeadlineExceeded", err)
	}
	<-busy
	if res := invoke(t, f, `{"x":1}`); res.Error != nil {
		t.Errorf("after the queue timed out: %v", res.Error)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := map[string]func(*lambdaemu.Config){
		"no name":            func(c *lambdaemu.Config) { c.Name = "" },
		"no executable":      func(c *lambdaemu.Config) { c.Executable = "" },
		"missing executable": func(c *lambdaemu.Config) { c.Executable = filepath.Join(t.TempDir(), "nope") },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := baseConfig()
			mutate(&cfg)
			if _, err := lambdaemu.New(cfg); !errors.Is(err, lambdaemu.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
}

func TestRelativeExecutablePath(t *testing.T) {
	t.Chdir(filepath.Dir(filepath.Dir(echoBootstrap)))
	cfg := baseConfig()
	cfg.Executable = filepath.Join(filepath.Base(filepath.Dir(echoBootstrap)), "bootstrap")
	f := start(t, cfg)
	if res := invoke(t, f, `{"rel":1}`); res.Error != nil || string(res.Payload) != `{"rel":1}` {
		t.Fatalf("relative path: %q %v", res.Payload, res.Error)
	}
}
