// Package rie runs real Lambda bootstrap binaries on this machine under AWS's
// Lambda Runtime Interface Emulator (the aws-lambda-rie tool of tools/go.mod), as
// `sam local invoke` does inside its container, minus Docker.
//
// One emulator process is one execution environment: it runs one bootstrap
// and takes one invocation at a time, on its own free port of 127.0.0.1. A
// Function is a pool of up to Config.Concurrency of them, grown on demand
// like Lambda scaling out; invocations beyond it wait for a free one.
//
// What happens inside an environment is the emulator's doing, as on Lambda:
// it starts the bootstrap at the first invocation (INIT REPORT), cuts an
// invocation at the function timeout and resets the runtime, and starts the
// bootstrap again after a crash. The pool replaces an environment whose
// emulator process itself is gone, at once: an invocation the emulator
// failed never gets its environment back, and an exit is seen when the
// process ends, not when the bootstrap it leaves behind (killed then) lets
// go of its output.
package rie

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// Defaults applied by New to a zero Config field.
const (
	DefaultTimeout  = 3 * time.Second // Lambda's default function timeout
	DefaultMemoryMB = 128
)

// Errors of the harness itself. A function's own failures are reported in
// Result.Error, not as errors.
var (
	ErrClosed   = errors.New("rie: function is closed")
	ErrConfig   = errors.New("rie: invalid config")
	ErrEmulator = errors.New("rie: the emulator failed")
)

// Config describes one function.
type Config struct {
	// Emulator is the path of the aws-lambda-rie binary
	// (lambdabuild.Emulator builds it).
	Emulator string
	// Name is the function name (AWS_LAMBDA_FUNCTION_NAME), e.g. "CreateTicketFunction".
	Name string
	// Bootstrap is the path of the function's bootstrap binary.
	Bootstrap string
	// Env is the function's own environment; it is added after, and so
	// overrides, the variables Lambda sets.
	Env map[string]string
	// Timeout is the function timeout (default DefaultTimeout). The
	// emulator counts whole seconds: it is rounded up.
	Timeout time.Duration
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; it is not enforced.
	MemoryMB int
	// Concurrency is the most environments run at once (default 1).
	Concurrency int
	// Prewarm is how many environments New starts (default 0). The
	// emulator still inits the bootstrap only at its first invocation.
	Prewarm int
	// Output receives the emulator's and the function's output, each line
	// prefixed with "[Name] ". Default os.Stderr.
	Output io.Writer
}

// Result is the outcome of one invocation.
type Result struct {
	// RequestID is the invocation's id (the function's AwsRequestID).
	RequestID string
	// Payload is the response the function posted; when Error is set it is
	// the emulator's answer (an error document, or its timeout message).
	Payload []byte
	// Error is set when the function failed: it returned or posted an
	// error, crashed, timed out or failed its init.
	Error *FunctionError
	// PID is the emulator process (the environment) that ran it.
	PID int
	// InitDuration is the emulator's INIT REPORT for the first invocation
	// of an environment: exec of the bootstrap to its first /next.
	InitDuration time.Duration
	// Duration is the round trip through the emulator.
	Duration time.Duration
}

// FunctionError is a function failure as Lambda reports it.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Error implements error.
func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Function is a pool of execution environments of one bootstrap. It is safe
// for concurrent use.
type Function struct {
	cfg   Config
	out   *log.Logger
	slots chan struct{} // one per environment that may run

	mu     sync.Mutex
	closed bool
	all    []*environment
	idle   []*environment
}

// New validates cfg, applies defaults and starts cfg.Prewarm environments.
func New(cfg Config) (*Function, error) {
	if cfg.Name == "" || cfg.Bootstrap == "" || cfg.Emulator == "" {
		return nil, fmt.Errorf("%w: Name, Bootstrap and Emulator are required", ErrConfig)
	}
	for _, p := range []*string{&cfg.Bootstrap, &cfg.Emulator} {
		// The emulator runs in the bootstrap's directory, where a relative
		// path would no longer lead to either.
		abs, err := filepath.Abs(*p)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: function %s: %v", ErrConfig, cfg.Name, err)
		}
		*p = abs
	}
	applyDefaults(&cfg)
	f := &Function{cfg: cfg, out: log.New(cfg.Output, "["+cfg.Name+"] ", 0),
		slots: make(chan struct{}, cfg.Concurrency)}
	for range cfg.Prewarm {
		env, err := f.start()
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		f.idle = append(f.idle, env)
	}
	return f, nil
}

func applyDefaults(cfg *Config) {
	cfg.Timeout = (local.OrDefault(cfg.Timeout, DefaultTimeout) + time.Second - 1).Truncate(time.Second)
	cfg.MemoryMB = local.OrDefault(cfg.MemoryMB, DefaultMemoryMB)
	cfg.Concurrency = max(cfg.Concurrency, 1)
	cfg.Prewarm = min(max(cfg.Prewarm, 0), cfg.Concurrency)
	cfg.Output = cmp.Or[io.Writer](cfg.Output, os.Stderr)
}

// Timeout returns the function timeout the emulator enforces.
func (f *Function) Timeout() time.Duration { return f.cfg.Timeout }

// PIDs returns the emulator processes: one per live environment.
func (f *Function) PIDs() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	pids := make([]int, 0, len(f.all))
	for _, env := range f.all {
		pids = append(pids, env.pid())
	}
	slices.Sort(pids)
	return pids
}

// RuntimePIDs returns the bootstrap processes the environments run now
// (none before an environment's first invocation). Linux only: elsewhere
// it is always empty.
func (f *Function) RuntimePIDs() []int {
	var pids []int
	for _, pid := range f.PIDs() {
		pids = append(pids, childPIDs(pid)...)
	}
	slices.Sort(pids)
	return pids
}

// Invoke runs payload through the function and waits for its result. The
// returned error is set only when the harness could not run the invocation
// (closed, ctx done while waiting for an environment, the emulator failed);
// the function's own failures are in Result.Error. Cancelling ctx after the
// event was handed over stops the wait, not the invocation, as on Lambda:
// the environment stays busy until the function answers.
func (f *Function) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	env, err := f.acquire()
	if err != nil {
		<-f.slots
		return nil, err
	}
	var res *Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err = env.invoke(payload)
		f.release(env)
		<-f.slots
	}()
	select {
	case <-done:
		return res, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquire takes an idle environment or starts one; the caller holds a slot,
// so there is never more than Concurrency of them.
func (f *Function) acquire() (*environment, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	for len(f.idle) > 0 {
		env := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if env.alive() {
			f.mu.Unlock()
			return env, nil
		}
		f.remove(env)
	}
	f.mu.Unlock()
	return f.start()
}

// release puts a live environment back in the pool and drops a dead one,
// or one whose emulator failed the invocation (it may be dying: its exit
// can be seen a moment after its connection broke), and stops it.
func (f *Function) release(env *environment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || env.broken || !env.alive() {
		f.remove(env)
		go env.stop()
		return
	}
	f.idle = append(f.idle, env)
}

// start starts one environment, trying again when the emulator cannot (a
// free port can be taken between probe and bind), and adds it to the pool.
func (f *Function) start() (env *environment, err error) {
	for range startAttempts {
		if env, err = f.startEnvironment(); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		go env.stop()
		return nil, ErrClosed
	}
	f.all = append(f.all, env)
	return env, nil
}

// remove drops env from the pool's lists. f.mu must be held.
func (f *Function) remove(env *environment) {
	f.all = slices.DeleteFunc(f.all, func(e *environment) bool { return e == env })
	f.idle = slices.DeleteFunc(f.idle, func(e *environment) bool { return e == env })
}

// Close stops every environment and waits for their processes to exit.
// An invocation still running fails.
func (f *Function) Close() error {
	f.mu.Lock()
	f.closed = true
	all := f.all
	f.all, f.idle = nil, nil
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, env := range all {
		wg.Go(env.stop)
	}
	wg.Wait()
	return nil
}
