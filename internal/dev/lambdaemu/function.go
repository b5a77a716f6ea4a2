package lambdaemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Defaults applied by New to a zero Config field.
const (
	DefaultTimeout     = 3 * time.Second  // Lambda's default function timeout
	DefaultInitTimeout = 10 * time.Second // Lambda's limit of the init phase
	DefaultMemoryMB    = 128
	DefaultRegion      = "us-east-1"
	DefaultAccountID   = "123456789012"
)

// MaxResponseBytes is Lambda's limit of a synchronous response payload.
const MaxResponseBytes = 6 * 1024 * 1024

// Errors of the emulator itself (a function's own failures are reported in
// Result.Error, not as errors).
var (
	ErrClosed = errors.New("lambdaemu: function is closed")
	ErrConfig = errors.New("lambdaemu: invalid config")
)

// Config describes one function.
type Config struct {
	// Name is the function name (AWS_LAMBDA_FUNCTION_NAME), e.g. "CreateTicketFunction".
	Name string
	// Executable is the path of the bootstrap binary.
	Executable string
	// Env is the function's own environment; it is added after, and so
	// overrides, the variables Lambda sets.
	Env map[string]string
	// Timeout is the function timeout (default DefaultTimeout).
	Timeout time.Duration
	// InitTimeout limits start to first /next (default DefaultInitTimeout).
	InitTimeout time.Duration
	// MemoryMB is reported in AWS_LAMBDA_FUNCTION_MEMORY_SIZE; it is not enforced.
	MemoryMB int
	// Region is AWS_REGION and AWS_DEFAULT_REGION (default DefaultRegion).
	Region string
	// AccountID goes into the invoked function ARN (default DefaultAccountID).
	AccountID string
	// MaxInstances is the most processes run at once (default 1). Invocations
	// beyond it wait for a free process.
	MaxInstances int
	// Prewarm is how many processes start with New and are kept alive after a
	// crash or timeout (default 0: the first invocation is a cold start).
	Prewarm int
	// Output receives the function's stdout and stderr, each line prefixed
	// with "[Name] ", plus one REPORT line per invocation. Default os.Stderr.
	Output io.Writer
	// Hooks observe the processes; any may be nil.
	Hooks Hooks
}

// Hooks are called from the emulator's goroutines; they must not block.
type Hooks struct {
	// ProcessStarted is called right after a process is started.
	ProcessStarted func(ProcessEvent)
	// InitDone is called at a process's first /next: the end of its init.
	InitDone func(ProcessEvent)
	// FirstResponse is called when a process posts its first result.
	FirstResponse func(ProcessEvent)
	// ProcessExited is called when a process has exited, whatever the cause.
	ProcessExited func(ProcessEvent)
}

// ProcessEvent describes one process of a function at one moment.
type ProcessEvent struct {
	Function string
	PID      int
	Started  time.Time     // when the process was started
	Elapsed  time.Duration // from Started to the event
	Err      error         // for ProcessExited: how it exited (nil for exit status 0)
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the response the function posted; when Error is set it is
	// the error document ({"errorType", "errorMessage", ...}).
	Payload []byte
	// Error is set when the function failed: it posted an error, crashed,
	// timed out or failed its init.
	Error *FunctionError
	// PID of the process that ran the invocation.
	PID int
	// InitDuration is set when the invocation waited for a cold start.
	InitDuration time.Duration
	// Duration runs from the event's delivery to the posted result.
	Duration time.Duration
}

// FunctionError is a function failure as Lambda reports it.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Error implements error.
func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Function is a pool of warm processes of one bootstrap binary. It is safe
// for concurrent use.
type Function struct {
	cfg Config
	out *lineWriter

	mu      sync.Mutex
	closed  bool
	all     []*instance // alive or starting
	idle    []*instance
	waiters []chan *instance
	wg      sync.WaitGroup // process watchers
}

// New validates cfg, applies defaults and starts cfg.Prewarm processes.
func New(cfg Config) (*Function, error) {
	if cfg.Name == "" || cfg.Executable == "" {
		return nil, fmt.Errorf("%w: Name and Executable are required", ErrConfig)
	}
	if _, err := os.Stat(cfg.Executable); err != nil {
		return nil, fmt.Errorf("%w: function %s: %v", ErrConfig, cfg.Name, err)
	}
	// The process runs in the binary's directory, where a relative path
	// would no longer lead to it.
	abs, err := filepath.Abs(cfg.Executable)
	if err != nil {
		return nil, fmt.Errorf("%w: function %s: %v", ErrConfig, cfg.Name, err)
	}
	cfg.Executable = abs
	applyDefaults(&cfg)
	f := &Function{cfg: cfg, out: newLineWriter(cfg.Output, "["+cfg.Name+"] ")}
	f.mu.Lock()
	for i := 0; i < cfg.Prewarm && err == nil; i++ {
		_, err = f.spawnLocked() // free once it calls /next
	}
	f.mu.Unlock()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func applyDefaults(cfg *Config) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = DefaultInitTimeout
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = DefaultMemoryMB
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.MaxInstances <= 0 {
		cfg.MaxInstances = 1
	}
	cfg.Prewarm = min(max(cfg.Prewarm, 0), cfg.MaxInstances)
	if cfg.Output == nil {
		cfg.Output = os.Stderr
	}
}

// Name returns the function name.
func (f *Function) Name() string { return f.cfg.Name }

// ARN returns the function ARN the processes see as the invoked function.
func (f *Function) ARN() string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.cfg.Region, f.cfg.AccountID, f.cfg.Name)
}

// PIDs returns the process ids of the function's live processes.
func (f *Function) PIDs() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	pids := make([]int, 0, len(f.all))
	for _, inst := range f.all {
		pids = append(pids, inst.pid)
	}
	slices.Sort(pids)
	return pids
}

// Invoke runs payload through the function and waits for its result. The
// returned error is set only when the emulator could not run the invocation
// (closed, ctx done while waiting for a process, binary not startable); the
// function's own failures are in Result.Error. Cancelling ctx after the
// event was delivered stops the wait, not the invocation, as on Lambda.
func (f *Function) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	inv := newInvocation(payload)
	for {
		inst, err := f.acquire(ctx)
		if err != nil {
			return nil, err
		}
		if inst.assign(inv) {
			break
		}
		// It died while idle; its watcher removes it. Take another.
	}
	select {
	case res := <-inv.result:
		return res, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reportLine is the REPORT line of an invocation, as Lambda logs one.
func reportLine(res *Result) string {
	line := fmt.Sprintf("REPORT RequestId: %s Duration: %.2f ms PID: %d", res.RequestID,
		float64(res.Duration.Microseconds())/1000, res.PID)
	if res.InitDuration > 0 {
		line += fmt.Sprintf(" Init Duration: %.2f ms", float64(res.InitDuration.Microseconds())/1000)
	}
	if res.Error != nil {
		line += " Error: " + res.Error.Type
	}
	return line
}

// acquire hands out an idle process, starts a new one while under
// MaxInstances, or waits for one to be released.
func (f *Function) acquire(ctx context.Context) (*instance, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(f.idle); n > 0 {
		inst := f.idle[n-1]
		f.idle = f.idle[:n-1]
		f.mu.Unlock()
		return inst, nil
	}
	if len(f.all) < f.cfg.MaxInstances {
		inst, err := f.spawnLocked()
		f.mu.Unlock()
		return inst, err
	}
	ch := make(chan *instance, 1)
	f.waiters = append(f.waiters, ch)
	f.mu.Unlock()

	select {
	case inst := <-ch:
		if inst == nil {
			return nil, ErrClosed
		}
		return inst, nil
	case <-ctx.Done():
		f.mu.Lock()
		f.waiters = slices.DeleteFunc(f.waiters, func(c chan *instance) bool { return c == ch })
		f.mu.Unlock()
		// A process may have been handed over just before we gave up.
		select {
		case inst := <-ch:
			if inst != nil {
				f.release(inst)
			}
		default:
		}
		return nil, ctx.Err()
	}
}

// release makes a process that waits in /next available: to the first
// waiter, else to the idle list.
func (f *Function) release(inst *instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || inst.isDead() {
		return // its watcher handles the pool
	}
	if len(f.waiters) > 0 {
		ch := f.waiters[0]
		f.waiters = f.waiters[1:]
		ch <- inst
		return
	}
	f.idle = append(f.idle, inst)
}

// removed is called by a process's watcher once it has exited. A waiter gets
// a fresh process; Prewarm processes are replaced if the dead one had
// finished its init (a failing init is retried only by the next invocation).
func (f *Function) removed(inst *instance, initialized bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = slices.DeleteFunc(f.all, func(i *instance) bool { return i == inst })
	f.idle = slices.DeleteFunc(f.idle, func(i *instance) bool { return i == inst })
	if f.closed {
		return
	}
	if len(f.waiters) > 0 {
		ch := f.waiters[0]
		f.waiters = f.waiters[1:]
		next, err := f.spawnLocked()
		if err != nil {
			f.out.Line("cannot restart: " + err.Error())
			ch <- nil
			return
		}
		ch <- next
		return
	}
	if initialized && len(f.all) < f.cfg.Prewarm {
		if _, err := f.spawnLocked(); err != nil {
			f.out.Line("cannot restart: " + err.Error())
		}
	}
}

// Close stops every process (SIGTERM, then SIGKILL after a short grace) and
// waits until they have exited. Pending invocations fail.
func (f *Function) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		f.wg.Wait()
		return nil
	}
	f.closed = true
	insts := slices.Clone(f.all)
	for _, ch := range f.waiters {
		ch <- nil
	}
	f.waiters = nil
	f.idle = nil
	f.mu.Unlock()

	for _, inst := range insts {
		inst.stop(shutdownGrace)
	}
	f.wg.Wait()
	f.out.Flush()
	return nil
}

// shutdownGrace is how long a process may take to exit after SIGTERM.
const shutdownGrace = 500 * time.Millisecond
