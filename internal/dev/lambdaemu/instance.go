package lambdaemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/uuid"
)

// Runtime API header names (see aws-lambda-go lambda/runtime_api_client.go).
const (
	headerRequestID       = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID         = "Lambda-Runtime-Trace-Id"
	headerErrorType       = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody      = "Lambda-Runtime-Function-Error-Body"
	runtimeAPIPathPrefix  = "/2018-06-01/runtime"
	processWaitDelay      = time.Second // bound on stdout/stderr draining after exit
	runtimeAPIReadTimeout = 10 * time.Second
)

// invocation is one event on its way through a process.
type invocation struct {
	id         string
	traceID    string
	payload    []byte
	result     chan *Result // buffered: completing never blocks
	once       sync.Once
	assignedAt time.Time
	// Set under instance.mu when /next hands the event out.
	deliveredAt  time.Time
	initDuration time.Duration
}

func newInvocation(payload []byte) *invocation {
	return &invocation{id: uuid.New(), traceID: newTraceID(), payload: payload, result: make(chan *Result, 1)}
}

func (inv *invocation) complete(res *Result) {
	inv.once.Do(func() { inv.result <- res })
}

// instance is one process of a function and its private Runtime API endpoint.
type instance struct {
	f       *Function
	cmd     *exec.Cmd
	pid     int
	started time.Time
	srv     *http.Server
	stdout  *lineWriter
	stderr  *lineWriter
	work    chan *invocation // capacity 1: an instance holds one invocation at a time
	exited  chan struct{}

	mu        sync.Mutex
	assigned  *invocation // handed to this process and not completed
	initEnd   time.Time   // zero until the first /next
	responded bool        // has posted a first result
	initErr   *FunctionError
	killCause *FunctionError // why we killed it, reported to its invocation
	stopping  bool           // Close is stopping it: its exit is expected
	report    string         // REPORT line of the last invocation, logged at the next /next
	dead      bool
	initTimer *time.Timer
	timer     *time.Timer // function timeout of the delivered invocation
}

// spawnLocked starts a process and adds it to the pool; f.mu must be held.
func (f *Function) spawnLocked() (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdaemu: runtime API listener for %s: %w", f.cfg.Name, err)
	}
	inst := &instance{
		f:      f,
		work:   make(chan *invocation, 1),
		exited: make(chan struct{}),
		stdout: f.out.child(),
		stderr: f.out.child(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPathPrefix+"/invocation/next", inst.handleNext)
	mux.HandleFunc("POST "+runtimeAPIPathPrefix+"/invocation/{id}/response", inst.handleResponse)
	mux.HandleFunc("POST "+runtimeAPIPathPrefix+"/invocation/{id}/error", inst.handleError)
	mux.HandleFunc("POST "+runtimeAPIPathPrefix+"/init/error", inst.handleInitError)
	inst.srv = &http.Server{Handler: mux, ReadHeaderTimeout: runtimeAPIReadTimeout}
	go func() { _ = inst.srv.Serve(ln) }()

	cmd := exec.Command(f.cfg.Executable)
	cmd.Dir = filepath.Dir(f.cfg.Executable)
	cmd.Env = f.environ(ln.Addr().String())
	cmd.Stdout = inst.stdout
	cmd.Stderr = inst.stderr
	cmd.WaitDelay = processWaitDelay
	setProcessGroup(cmd)
	inst.cmd = cmd
	// Held until the fields are set: the process may call /next at once.
	inst.mu.Lock()
	inst.started = time.Now()
	if err := cmd.Start(); err != nil {
		inst.mu.Unlock()
		_ = inst.srv.Close()
		return nil, fmt.Errorf("lambdaemu: start %s (%s): %w", f.cfg.Name, f.cfg.Executable, err)
	}
	inst.pid = cmd.Process.Pid
	inst.initTimer = time.AfterFunc(f.cfg.InitTimeout, inst.initTimedOut)
	inst.mu.Unlock()
	f.all = append(f.all, inst)
	f.wg.Add(1)
	go inst.watch()
	f.hook(f.cfg.Hooks.ProcessStarted, inst, time.Now(), nil)
	return inst, nil
}

func (f *Function) hook(h func(ProcessEvent), inst *instance, at time.Time, err error) {
	if h != nil {
		h(ProcessEvent{Function: f.cfg.Name, PID: inst.pid, Started: inst.started, Elapsed: at.Sub(inst.started), Err: err})
	}
}

func (inst *instance) isDead() bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.dead
}

// assign hands inv to this process; its pending or next /next call
// receives it. It reports false if the process has died meanwhile.
func (inst *instance) assign(inv *invocation) bool {
	inst.mu.Lock()
	if inst.dead {
		inst.mu.Unlock()
		return false
	}
	inv.assignedAt = time.Now()
	inst.assigned = inv
	inst.mu.Unlock()
	inst.work <- inv
	return true
}

// watch waits for the process to exit, then fails its invocation and
// removes it from the pool.
func (inst *instance) watch() {
	f := inst.f
	defer f.wg.Done()
	waitErr := inst.cmd.Wait()
	inst.stdout.Flush()
	inst.stderr.Flush()

	inst.mu.Lock()
	inst.dead = true
	inst.initTimer.Stop()
	if inst.timer != nil {
		inst.timer.Stop()
	}
	inv := inst.assigned
	inst.assigned = nil
	initialized := !inst.initEnd.IsZero()
	cause, stopping, report := inst.killCause, inst.stopping, inst.report
	killed := cause != nil
	if cause == nil && !initialized && inst.initErr != nil {
		cause = inst.initErr
	}
	inst.mu.Unlock()

	if report != "" {
		f.out.Line(report)
	}
	if !stopping {
		phase := ""
		if !initialized {
			phase = " during init"
		}
		if killed {
			f.out.Line(fmt.Sprintf("process %d stopped%s: %s", inst.pid, phase, cause.Message))
		} else {
			f.out.Line(fmt.Sprintf("process %d exited%s: %s", inst.pid, phase, exitReason(waitErr)))
		}
	}
	close(inst.exited)
	_ = inst.srv.Close()
	f.hook(f.cfg.Hooks.ProcessExited, inst, time.Now(), waitErr)
	f.removed(inst, initialized)
	if inv != nil {
		if cause == nil {
			cause = &FunctionError{Type: "Runtime.ExitError", Message: fmt.Sprintf("RequestId: %s Error: %s", inv.id, exitReason(waitErr))}
		}
		res := inst.failure(inv, cause)
		f.out.Line(reportLine(res))
		inv.complete(res)
	}
}

func exitReason(err error) string {
	if err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + err.Error()
}

// failure builds the Result of an invocation that failed with fe.
func (inst *instance) failure(inv *invocation, fe *FunctionError) *Result {
	payload, _ := json.Marshal(fe)
	res := &Result{RequestID: inv.id, Payload: payload, Error: fe, PID: inst.pid, InitDuration: inv.initDuration}
	if !inv.deliveredAt.IsZero() {
		res.Duration = time.Since(inv.deliveredAt)
	}
	return res
}

// kill stops the process at once; cause is what its invocation reports.
func (inst *instance) kill(cause *FunctionError) {
	inst.mu.Lock()
	if inst.dead {
		inst.mu.Unlock()
		return
	}
	if inst.killCause == nil {
		inst.killCause = cause
	}
	inst.mu.Unlock()
	killProcessGroup(inst.cmd, true)
}

// stop asks the process to exit (SIGTERM), then kills it after grace.
func (inst *instance) stop(grace time.Duration) {
	inst.mu.Lock()
	inst.stopping = true
	if inst.killCause == nil {
		inst.killCause = &FunctionError{Type: "Runtime.ExitError", Message: "the local Lambda emulator is shutting down"}
	}
	dead := inst.dead
	inst.mu.Unlock()
	if dead {
		return
	}
	killProcessGroup(inst.cmd, false)
	select {
	case <-inst.exited:
	case <-time.After(grace):
		killProcessGroup(inst.cmd, true)
		<-inst.exited
	}
}

func (inst *instance) initTimedOut() {
	inst.mu.Lock()
	pending := inst.initEnd.IsZero() && !inst.dead
	inst.mu.Unlock()
	if pending {
		secs := inst.f.cfg.InitTimeout.Seconds()
		inst.kill(&FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Init phase timed out after %.2f seconds", secs)})
	}
}

func (inst *instance) timedOut(inv *invocation) {
	inst.mu.Lock()
	current := inst.assigned == inv && !inst.dead
	inst.mu.Unlock()
	if current {
		msg := fmt.Sprintf("%s %s Task timed out after %.2f seconds",
			time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, inst.f.cfg.Timeout.Seconds())
		inst.kill(&FunctionError{Type: "Sandbox.Timedout", Message: msg})
	}
}

// handleNext serves GET /runtime/invocation/next: it marks the end of init
// on the first call and blocks until an invocation is assigned.
func (inst *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	inst.mu.Lock()
	first := inst.initEnd.IsZero()
	if first {
		inst.initEnd = now
		inst.initTimer.Stop()
	}
	// A process is free only while it waits here, as on Lambda; one started
	// for a given invocation already has it.
	free := inst.assigned == nil
	// Lambda ends an invocation's log with REPORT when the runtime asks for
	// the next one: by then the function's own lines are out.
	report := inst.report
	inst.report = ""
	inst.mu.Unlock()
	if report != "" {
		inst.f.out.Line(report)
	}
	if first {
		inst.f.hook(inst.f.cfg.Hooks.InitDone, inst, now, nil)
	}
	if free {
		inst.f.release(inst)
	}

	var inv *invocation
	select {
	case inv = <-inst.work:
	case <-r.Context().Done():
		return
	case <-inst.exited:
		return
	}

	cfg := inst.f.cfg
	inst.mu.Lock()
	inv.deliveredAt = time.Now()
	if !inv.assignedAt.After(inst.initEnd) {
		inv.initDuration = inst.initEnd.Sub(inst.started) // it waited for a cold start
	}
	deadline := inv.deliveredAt.Add(cfg.Timeout)
	inst.timer = time.AfterFunc(cfg.Timeout, func() { inst.timedOut(inv) })
	inst.mu.Unlock()

	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadlineMs, strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, inst.f.ARN())
	h.Set(headerTraceID, inv.traceID)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// take removes the delivered invocation id from the process, or returns nil
// if id is not the one it is working on.
func (inst *instance) take(id string) (inv *invocation, first bool) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inv = inst.assigned
	if inv == nil || inv.id != id || inv.deliveredAt.IsZero() {
		return nil, false
	}
	inst.assigned = nil
	if inst.timer != nil {
		inst.timer.Stop()
	}
	first = !inst.responded
	inst.responded = true
	return inv, first
}

// finish completes inv, acknowledges the runtime and frees the process.
func (inst *instance) finish(w http.ResponseWriter, inv *invocation, first bool, res *Result, status int) {
	res.RequestID, res.PID, res.InitDuration = inv.id, inst.pid, inv.initDuration
	res.Duration = time.Since(inv.deliveredAt)
	inst.mu.Lock()
	inst.report = reportLine(res)
	inst.mu.Unlock()
	inv.complete(res)
	if first {
		inst.f.hook(inst.f.cfg.Hooks.FirstResponse, inst, time.Now(), nil)
	}
	writeJSON(w, status, map[string]string{"status": "OK"})
}

func (inst *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, readErr := readBody(r)
	inv, first := inst.take(r.PathValue("id"))
	if inv == nil {
		writeInvalidRequestID(w)
		return
	}
	switch {
	case readErr != nil:
		fe := &FunctionError{Type: "Runtime.TruncatedResponse", Message: "reading the response failed: " + readErr.Error()}
		inst.finish(w, inv, first, errorResult(fe), http.StatusBadRequest)
	case tooLarge:
		fe := &FunctionError{Type: "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes)}
		inst.finish(w, inv, first, errorResult(fe), http.StatusRequestEntityTooLarge)
	case r.Trailer.Get(headerErrorType) != "":
		// aws-lambda-go reports a failure while streaming the body in trailers.
		fe := &FunctionError{Type: r.Trailer.Get(headerErrorType)}
		if doc, err := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody)); err == nil {
			_ = json.Unmarshal(doc, fe)
		}
		inst.finish(w, inv, first, errorResult(fe), http.StatusAccepted)
	default:
		inst.finish(w, inv, first, &Result{Payload: body}, http.StatusAccepted)
	}
}

func (inst *instance) handleError(w http.ResponseWriter, r *http.Request) {
	body, _, _ := readBody(r)
	inv, first := inst.take(r.PathValue("id"))
	if inv == nil {
		writeInvalidRequestID(w)
		return
	}
	fe := parseErrorDocument(body, r.Header.Get(headerErrorType))
	res := &Result{Payload: body, Error: fe}
	if !json.Valid(body) {
		res.Payload, _ = json.Marshal(fe)
	}
	inst.finish(w, inv, first, res, http.StatusAccepted)
}

// handleInitError serves POST /runtime/init/error. The process is then
// stopped and its waiting invocation fails with the reported error.
func (inst *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _, _ := readBody(r)
	fe := parseErrorDocument(body, r.Header.Get(headerErrorType))
	inst.mu.Lock()
	if !inst.initEnd.IsZero() {
		inst.mu.Unlock()
		writeJSON(w, http.StatusForbidden, FunctionError{Type: "InvalidStateTransition", Message: "init error after the init phase"})
		return
	}
	if inst.initErr == nil {
		inst.initErr = fe
	}
	inst.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
	go func() {
		// Let the runtime exit by itself first, as it is expected to.
		select {
		case <-inst.exited:
		case <-time.After(shutdownGrace):
			inst.kill(fe)
		}
	}()
}

func errorResult(fe *FunctionError) *Result {
	payload, _ := json.Marshal(fe)
	return &Result{Payload: payload, Error: fe}
}

// parseErrorDocument reads {"errorType", "errorMessage"}; the header type is
// used when the body has none.
func parseErrorDocument(body []byte, headerType string) *FunctionError {
	fe := &FunctionError{}
	if err := json.Unmarshal(body, fe); err != nil {
		fe.Message = string(bytes.TrimSpace(body))
	}
	if fe.Type == "" {
		fe.Type = headerType
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

// readBody reads at most MaxResponseBytes and reports whether there was more.
func readBody(r *http.Request) (body []byte, tooLarge bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+1))
	if len(body) > MaxResponseBytes {
		_, _ = io.Copy(io.Discard, r.Body) // drain so trailers are read
		return nil, true, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return body, false, err
	}
	return body, false, nil
}

func writeInvalidRequestID(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, FunctionError{Type: "InvalidRequestID", Message: "Invalid request ID"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
