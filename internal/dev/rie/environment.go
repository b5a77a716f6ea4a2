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
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// MaxResponseBytes is Lambda's limit of a synchronous response payload.
const MaxResponseBytes = 6 * 1024 * 1024

const (
	invokePath    = "/2015-03-31/functions/function/invocations" // the Lambda Invoke API's
	startAttempts = 3
	readyTimeout  = 10 * time.Second
	stopGrace     = 3 * time.Second
)

// environ is the emulator's environment, which it hands on to the
// bootstrap: what Lambda sets for a custom runtime, then the function's own.
// Only PATH is inherited, so a developer's AWS profile or credentials cannot
// reach a local function; the dummy ones let the SDK sign.
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
		"AWS_ACCESS_KEY_ID":               "AKIALOCALEMULATOR000",
		"AWS_SECRET_ACCESS_KEY":           "local-emulator-secret-access-key",
		"AWS_SESSION_TOKEN":               "local-emulator-session-token",
		"_HANDLER":                        filepath.Base(cfg.Bootstrap),
		"LAMBDA_TASK_ROOT":                filepath.Dir(cfg.Bootstrap),
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            os.Getenv("PATH"),
	}
	maps.Copy(env, cfg.Env)
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// environment is one emulator process; only the invocation holding it
// calls invoke.
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

// startEnvironment starts an emulator for f's bootstrap and waits until it
// accepts invocations; the pool drops it once it has exited.
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
	// Its own Runtime API address: the default, 9001, would be the pool's.
	cmd := exec.Command(cfg.Emulator,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		cfg.Bootstrap)
	cmd.Dir = filepath.Dir(cfg.Bootstrap)
	cmd.Env = f.environ()
	adoptOrphans()
	env := &environment{
		cmd:     cmd,
		url:     "http://" + invokeAddr + invokePath,
		timeout: cfg.Timeout,
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
		exited:  make(chan struct{}),
		drained: make(chan struct{}),
		inits:   make(chan time.Duration, 8),
	}
	// A pipe of ours, not exec's: with an *os.File, cmd.Wait returns when
	// the emulator exits, not when every holder of the pipe (a bootstrap a
	// killed emulator left running) has closed it, and the pool does not
	// hand out the dead environment meanwhile.
	pipe, copied, err := outputPipe(f.out, env.noteInitReport)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = pipe, pipe
	// Its own process group: a Ctrl-C at the terminal reaches only the
	// harness, which stops the environments in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	err = cmd.Start()
	_ = pipe.Close() // the emulator has its own copy
	if err != nil {
		return nil, fmt.Errorf("%w: starting %s: %v", ErrEmulator, cfg.Emulator, err)
	}
	go func() {
		_ = cmd.Wait()
		// Nobody can invoke what a killed emulator left: reap it before the
		// exit is reported. Its group's id is not reused while a member
		// lives; its bootstraps are in groups of their own.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		killOrphans(leftovers{group: cmd.Process.Pid, emulator: filepath.Base(cfg.Emulator), bootstrap: cfg.Bootstrap})
		close(env.exited)
		f.mu.Lock()
		f.remove(env)
		f.mu.Unlock()
		<-copied
		close(env.drained)
	}()
	// The Runtime API too: the emulator opens it in a goroutine, and a
	// bootstrap started before it listens fails its invocation (seen on a
	// loaded machine).
	if err := local.AwaitListening(context.Background(), cmd.Process.Pid, env.exited, readyTimeout, invokeAddr, runtimeAddr); err != nil {
		env.stop()
		return nil, fmt.Errorf("%w: %v (%v)", ErrEmulator, err, cmd.ProcessState)
	}
	return env, nil
}

// invoke posts payload to the emulator and reads its answer. An error breaks
// the environment, so a stuck or dead one is replaced.
func (e *environment) invoke(payload []byte) (_ *Result, err error) {
	defer func() { e.broken = err != nil }()
	// The emulator bounds init and the invocation by the timeout each: only
	// a stuck one reaches this.
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

// initDuration returns this invocation's INIT REPORT: the first waits
// briefly for the line (logged before the answer, read by the output
// copier); later ones take one already seen (a re-init after a crash).
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
// of the emulator. It answers 200 with the response, the timeout message or
// a returned error's document, and 502 with a crash's or failed init's
// document (or none). It sends no X-Amz-Function-Error, so a returned error
// is told from a response by its shape, as the SAM CLI does.
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

// errorDocument returns the error when body is a runtime API error
// document: errorType and errorMessage, at most stackTrace and cause besides.
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

// stop asks the emulator to shut down (it kills its bootstrap), and kills
// both after stopGrace.
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
	// Its children of now, not of the signal: one it reaped since may have
	// passed its id on. Each by its group: the emulator starts every
	// bootstrap in one of its own; one that outlives it is killOrphans'.
	for _, p := range append(childPIDs(e.pid()), e.pid()) {
		if syscall.Kill(-p, syscall.SIGKILL) != nil {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
	<-e.exited
}

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// noteInitReport picks "INIT REPORT(durationMs: 6.356000)" out of the log.
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

// outputPipe returns the write end of a pipe whose lines go to out, each
// seen first by onLine; copied is closed once every holder of the write end
// has closed it and the last line is out. out is one Logger per function:
// its lock keeps its environments' lines whole.
func outputPipe(out *log.Logger, onLine func(line []byte)) (write *os.File, copied <-chan struct{}, err error) {
	r, write, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: output pipe: %v", ErrEmulator, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A line of more than 64 KiB goes out in pieces, an unterminated
		// one at EOF.
		br := bufio.NewReaderSize(r, 64*1024)
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
