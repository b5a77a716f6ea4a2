package rie

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// InvokePath is the emulator's invoke endpoint, the Lambda Invoke API's path.
const InvokePath = "/2015-03-31/functions/function/invocations"

// MaxResponseBytes is Lambda's limit of a synchronous response payload.
const MaxResponseBytes = 6 * 1024 * 1024

// Dummy credentials: the SDK needs some to sign requests to local stand-ins,
// and the emulator hands its own environment to the function, so real ones
// must never be in it.
const (
	dummyAccessKeyID     = "AKIALOCALEMULATOR000"
	dummySecretAccessKey = "local-emulator-secret-access-key"
	dummySessionToken    = "local-emulator-session-token"
)

// Limits of starting an emulator process.
const (
	startAttempts = 3
	readyTimeout  = 10 * time.Second
	stopGrace     = 3 * time.Second
)

// environ is the emulator's environment, which it passes on to the
// bootstrap: what Lambda sets for a custom runtime, then the function's own
// variables. Nothing is inherited from this process but PATH, so a
// developer's AWS profile or credentials cannot reach a local function.
func (f *Function) environ() []string {
	cfg := f.cfg
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(cfg.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(cfg.Timeout / time.Second)),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + strings.ReplaceAll(uuid.NewString(), "-", ""),
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_REGION":                      local.Region, // where the local table and secrets are
		"AWS_DEFAULT_REGION":              local.Region,
		"AWS_ACCESS_KEY_ID":               dummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           dummySecretAccessKey,
		"AWS_SESSION_TOKEN":               dummySessionToken,
		"_HANDLER":                        filepath.Base(cfg.Bootstrap),
		"LAMBDA_TASK_ROOT":                filepath.Dir(cfg.Bootstrap),
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            os.Getenv("PATH"),
	}
	for k, v := range cfg.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// environment is one emulator process running one bootstrap. Only the
// invocation that holds it calls invoke.
type environment struct {
	cmd     *exec.Cmd
	url     string
	timeout time.Duration
	client  *http.Client
	exited  chan struct{}      // closed when the process has exited
	drained chan struct{}      // closed when its output (and its bootstraps') is written out
	inits   chan time.Duration // INIT REPORTs, read by invoke
	invoked bool               // the first invocation has run
	broken  bool               // an invocation failed in the emulator: never reuse it
}

// startEnvironment starts an emulator process for f's bootstrap and waits
// until it accepts invocations. The pool drops it once it has exited,
// whatever the cause.
func (f *Function) startEnvironment() (*environment, error) {
	cfg := f.cfg
	invokeAddr, err := local.FreeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := local.FreeAddr()
	if err != nil {
		return nil, err
	}
	// Each emulator needs its own Runtime API address: its default, 9001,
	// would be shared by the whole pool.
	cmd := exec.Command(cfg.Emulator,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		cfg.Bootstrap)
	cmd.Dir = filepath.Dir(cfg.Bootstrap)
	cmd.Env = f.environ()
	// A bootstrap the emulator leaves behind when it is killed comes to
	// this process (adoptOrphans), which knows it by its executable or,
	// once it has exited, by the name the emulator ran it by.
	adoptOrphans()
	name := filepath.Base(cfg.Bootstrap)
	bootstrap, err := filepath.EvalSymlinks(cfg.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	env := &environment{
		cmd:     cmd,
		url:     "http://" + invokeAddr + InvokePath,
		timeout: cfg.Timeout,
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
		exited:  make(chan struct{}),
		drained: make(chan struct{}),
		inits:   make(chan time.Duration, 8),
	}
	// The output goes through a pipe of ours, not exec's: with an *os.File
	// as Stdout and Stderr, cmd.Wait returns as soon as the emulator exits.
	// With exec's pipes it would also wait for every process holding them,
	// such as a bootstrap left running by a killed emulator, and the pool
	// would hand out the dead environment meanwhile.
	pipe, copied, err := outputPipe(f.out, env.noteInitReport)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = pipe, pipe
	// Its own process group, so that a Ctrl-C at the terminal reaches only
	// the harness, which stops the environments in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	err = cmd.Start()
	// The emulator has its own copy now; the copier ends when it and its
	// bootstraps have closed theirs.
	_ = pipe.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: starting %s: %v", ErrEmulator, cfg.Emulator, err)
	}
	go func() {
		_ = cmd.Wait()
		// Bootstraps left by an emulator that was killed: nobody can
		// invoke them any more. They are reaped before the exit is
		// reported, even those that have exited by themselves. First what
		// is left of its process group (the id is not reused while a
		// member lives); its bootstraps are in groups of their own.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		killOrphans(leftovers{group: cmd.Process.Pid, emulator: filepath.Base(cfg.Emulator), bootstrap: bootstrap, name: name})
		close(env.exited)
		f.mu.Lock()
		f.remove(env)
		f.mu.Unlock()
		<-copied
		close(env.drained)
	}()
	// The Runtime API too: the emulator opens it in a goroutine of its
	// own, and a bootstrap started (at the first invocation) before it
	// listens is refused and exits, failing that invocation. Seen on a
	// loaded machine.
	if err := local.AwaitListening(context.Background(), cmd.Process.Pid, env.exited, readyTimeout, invokeAddr, runtimeAddr); err != nil {
		env.stop()
		return nil, fmt.Errorf("%w: %v (%v)", ErrEmulator, err, cmd.ProcessState)
	}
	return env, nil
}

// leftovers describes the processes a killed emulator can leave to this
// process: its bootstraps, running or exited, and a process it forked but
// had not yet turned into a bootstrap.
type leftovers struct {
	group     int    // the emulator's process group: its process id
	emulator  string // the emulator's executable, by base name
	bootstrap string // the bootstrap executable, symlinks resolved
	name      string // the base name the emulator ran the bootstrap by
}

// invoke posts payload to the emulator and reads its answer. An error of
// the emulator breaks the environment: a stuck or dead one is replaced.
func (e *environment) invoke(payload []byte) (_ *Result, err error) {
	defer func() { e.broken = err != nil }()
	// The emulator bounds init and the invocation by the timeout each; the
	// margin is for the process itself, and only a stuck one reaches it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*e.timeout+10*time.Second)
	defer cancel()
	id := uuid.NewString()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amzn-RequestId", id)
	start := time.Now()
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: invoking %s: %v", ErrEmulator, e.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading its answer: %v", ErrEmulator, err)
	}
	res := &Result{RequestID: id, Payload: body, PID: e.pid(), Duration: time.Since(start)}
	if res.Error, err = classify(resp.StatusCode, body); err != nil {
		return nil, err
	}
	res.InitDuration = e.initDuration()
	return res, nil
}

// initDuration returns the INIT REPORT of this invocation: after the first
// invocation of an environment it waits briefly for the line (logged before
// the answer is sent, but read by the output copier); later ones only take
// a report already seen, from a re-init after a crash or timeout.
func (e *environment) initDuration() time.Duration {
	if !e.invoked {
		e.invoked = true
		select {
		case d := <-e.inits:
			return d
		case <-time.After(time.Second):
			return 0
		}
	}
	select {
	case d := <-e.inits:
		return d
	default:
		return 0
	}
}

// classify turns the emulator's answer into a function error, or an error
// of the emulator itself. It answers 200 with the function's response, 200
// with its timeout message, 200 with the error document of a returned
// error, and 502 with the error document of a crash or failed init (or
// none). Without Lambda's X-Amz-Function-Error header, a returned error is
// told from a response by its shape, as the SAM CLI does.
func classify(status int, body []byte) (*FunctionError, error) {
	if len(body) > MaxResponseBytes {
		return &FunctionError{Type: "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes)}, nil
	}
	switch status {
	case http.StatusOK:
		if bytes.HasPrefix(body, []byte("Task timed out after")) {
			return &FunctionError{Type: "Sandbox.Timedout", Message: string(body)}, nil
		}
		return errorDocument(body), nil
	case http.StatusBadGateway:
		if fe := errorDocument(body); fe != nil {
			return fe, nil
		}
		return &FunctionError{Type: "Runtime.Unknown", Message: "the function failed without an error document; see its log"}, nil
	default:
		return nil, fmt.Errorf("%w: it answered %d %s", ErrEmulator, status, bytes.TrimSpace(body))
	}
}

// errorDocument returns the error when body is one Lambda's runtime API
// reports: an object of errorType and errorMessage, and at most a
// stackTrace and a cause besides.
func errorDocument(body []byte) *FunctionError {
	var doc struct {
		Type       *string        `json:"errorType"`
		Message    *string        `json:"errorMessage"`
		StackTrace jsontext.Value `json:"stackTrace"`
		Cause      jsontext.Value `json:"cause"`
	}
	if json.Unmarshal(body, &doc, json.RejectUnknownMembers(true)) != nil || doc.Type == nil || doc.Message == nil {
		return nil
	}
	return &FunctionError{Type: *doc.Type, Message: *doc.Message}
}

func (e *environment) pid() int { return e.cmd.Process.Pid }

func (e *environment) alive() bool {
	select {
	case <-e.exited:
		return false
	default:
		return true
	}
}

// stop asks the emulator to shut down, which kills its bootstrap, and kills
// both if it has not exited within stopGrace.
func (e *environment) stop() {
	defer func() { <-e.drained }() // its last lines are written when Close returns
	if !e.alive() {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
		return
	case <-time.After(stopGrace):
	}
	// Its children now, not at the signal: one it has reaped since may
	// have passed its id on. A bootstrap that dies after the emulator
	// comes to this process, which reaps it (killOrphans). Each by its
	// group: the emulator starts every bootstrap in one of its own.
	for _, p := range append(childPIDs(e.pid()), e.pid()) {
		if syscall.Kill(-p, syscall.SIGKILL) != nil {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
	<-e.exited
}

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// noteInitReport picks the emulator's INIT REPORT lines out of its log:
// "INIT REPORT(durationMs: 6.356000)".
func (e *environment) noteInitReport(line []byte) {
	m := initReport.FindSubmatch(line)
	if m == nil {
		return
	}
	if ms, err := strconv.ParseFloat(string(m[1]), 64); err == nil {
		select {
		case e.inits <- time.Duration(ms * float64(time.Millisecond)):
		default: // nobody reads old reports; a full buffer drops this one
		}
	}
}

// maxPartialLine bounds how much of an unterminated line is buffered.
const maxPartialLine = 64 * 1024

// outputPipe returns the write end of a pipe whose lines are written to
// out, each seen first by onLine; copied is closed once every holder of
// the write end has closed it and the last line is out.
// One Logger per function: its lock keeps lines of its environments whole.
func outputPipe(out *log.Logger, onLine func(line []byte)) (write *os.File, copied <-chan struct{}, err error) {
	r, write, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: output pipe: %v", ErrEmulator, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A line longer than maxPartialLine goes out in pieces, an
		// unterminated last one at EOF.
		br := bufio.NewReaderSize(r, maxPartialLine)
		for {
			line, err := br.ReadSlice('\n')
			if len(line) > 0 {
				line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
				onLine(line)
				out.Print(string(line))
			}
			if err != nil && err != bufio.ErrBufferFull {
				_ = r.Close()
				return
			}
		}
	}()
	return write, done, nil
}
