// Package rie runs real Lambda bootstrap binaries under AWS's Runtime
// Interface Emulator (aws-lambda-rie, from tools/go.mod), as `sam local
// invoke` does minus Docker. One emulator process is one execution
// environment: one bootstrap, one invocation at a time, its own ports. A
// Function pools up to Config.Concurrency of them, grown on demand; more
// invocations wait. Init, the timeout and the restart after a crash are the
// emulator's doing, as on Lambda; an environment is replaced as soon as its
// emulator process ends, not when a bootstrap it left lets go of its output.
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

const (
	defaultTimeout  = 3 * time.Second // Lambda's
	defaultMemoryMB = 128
)

// Errors of the harness itself; a function's own failures are in Result.Error.
var (
	ErrClosed   = errors.New("rie: function is closed")
	ErrConfig   = errors.New("rie: invalid config")
	ErrEmulator = errors.New("rie: the emulator failed")
)

// Config describes one function.
type Config struct {
	Emulator  string            // the aws-lambda-rie binary (lambdabuild.Emulator builds it)
	Name      string            // AWS_LAMBDA_FUNCTION_NAME, e.g. "CreateTicketFunction"
	Bootstrap string            // the function's bootstrap binary
	Env       map[string]string // the function's own; overrides what Lambda sets
	// Timeout is the function timeout (default 3s), rounded up to whole
	// seconds, which the emulator counts.
	Timeout     time.Duration
	MemoryMB    int // AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 128), not enforced
	Concurrency int // the most environments run at once (default 1)
	// Prewarm is how many environments New starts (default 0); each still
	// inits its bootstrap at its first invocation.
	Prewarm int
	// Output receives the emulator's and the function's lines, prefixed
	// "[Name] " (default os.Stderr).
	Output io.Writer
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string // the function's AwsRequestID
	// Payload is the function's response or, with Error, the emulator's
	// answer (an error document, or its timeout message).
	Payload []byte
	// Error is set when the function returned or posted an error, crashed,
	// timed out or failed its init.
	Error *FunctionError
	PID   int // the emulator process (the environment) that ran it
	// InitDuration is the emulator's INIT REPORT (exec of the bootstrap to
	// its first /next), for an invocation that inited its environment.
	InitDuration time.Duration
	Duration     time.Duration // the round trip through the emulator
}

// FunctionError is a function failure as Lambda reports it.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Error implements error.
func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Function is a pool of execution environments of one bootstrap, safe for
// concurrent use.
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
		// path would no longer lead to either; orphans are known by their
		// executable, which /proc names with every symlink resolved.
		abs, err := filepath.Abs(*p)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: function %s: %v", ErrConfig, cfg.Name, err)
		}
		*p = abs
	}
	cfg.Timeout = (local.OrDefault(cfg.Timeout, defaultTimeout) + time.Second - 1).Truncate(time.Second)
	cfg.MemoryMB = local.OrDefault(cfg.MemoryMB, defaultMemoryMB)
	cfg.Concurrency = max(cfg.Concurrency, 1)
	cfg.Prewarm = min(max(cfg.Prewarm, 0), cfg.Concurrency)
	cfg.Output = cmp.Or[io.Writer](cfg.Output, os.Stderr)
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
// (none before their first invocation; none outside Linux).
func (f *Function) RuntimePIDs() []int {
	var pids []int
	for _, pid := range f.PIDs() {
		pids = append(pids, childPIDs(pid)...)
	}
	slices.Sort(pids)
	return pids
}

// Invoke runs payload through the function and waits for its result. It
// returns an error only when the harness could not run the invocation; the
// function's own failures are in Result.Error. As on Lambda, cancelling ctx
// after the event was handed over stops the wait, not the invocation: the
// environment stays busy until the function answers.
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

// release puts a live environment back in the pool, or drops and stops it
// when it is dead or broken (an emulator that failed an invocation may be
// dying: its exit can be seen a moment after its connection broke).
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

// start starts one environment, trying again since a free port can be taken
// between probe and bind, and adds it to the pool.
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

// Close stops every environment and waits for their processes to exit;
// an invocation still running fails.
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
