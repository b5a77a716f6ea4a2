package benchkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// StatusCode reads statusCode from a function's API Gateway response.
func StatusCode(payload []byte) int {
	var r struct {
		StatusCode int `json:"statusCode"`
	}
	_ = json.Unmarshal(payload, &r) // checks the syntax first: 0 for a broken payload
	return r.StatusCode
}

// ColdResult is the first invocation of a fresh execution environment.
type ColdResult struct {
	Init          time.Duration // the emulator's INIT REPORT: exec of the bootstrap to its first /next
	FirstResponse time.Duration // the invocation's round trip: exec, init, the handler and the emulator's hops
	Status        int           // statusCode of the answer
	Payload       []byte
}

// ColdInvoke starts one fresh environment of cfg (placed by place, see
// StartIn), hands it payload, waits for its answer and stops it. It fails
// when the emulator cannot run it or the function reports an error; an
// HTTP error status is a normal answer, reported in Status.
func ColdInvoke(ctx context.Context, cfg rie.Config, payload []byte, place func(emulatorPID int) error) (ColdResult, error) {
	cfg.Concurrency, cfg.Prewarm = 1, 1 // the emulator is up; the bootstrap starts with the invocation
	fn, err := StartIn(cfg, place)
	if err != nil {
		return ColdResult{}, err
	}
	defer fn.Close()
	placed := fn.PIDs()
	res, err := fn.Invoke(ctx, payload)
	if err != nil {
		return ColdResult{}, err
	}
	if place != nil && !slices.Equal(fn.PIDs(), placed) {
		// The emulator died before the invocation and the pool ran it in a
		// new one, which place never saw (outside the cgroup, say).
		return ColdResult{}, fmt.Errorf("%s: %w: replaced before the invocation", cfg.Name, rie.ErrEmulator)
	}
	if res.Error != nil {
		return ColdResult{}, fmt.Errorf("%s: %w", cfg.Name, res.Error)
	}
	if res.InitDuration <= 0 {
		return ColdResult{}, fmt.Errorf("%s: the emulator printed no INIT REPORT", cfg.Name)
	}
	return ColdResult{Init: res.InitDuration, FirstResponse: res.Duration, Status: StatusCode(res.Payload), Payload: res.Payload}, nil
}

// StartIn starts the emulator pool of cfg (output discarded unless
// cfg.Output is set) and hands place, when not nil, each emulator's pid: to
// move it into a cgroup, where the bootstraps it starts are born.
func StartIn(cfg rie.Config, place func(emulatorPID int) error) (*rie.Function, error) {
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	fn, err := rie.New(cfg)
	if err != nil || place == nil {
		return fn, err
	}
	for _, pid := range fn.PIDs() {
		if err := place(pid); err != nil {
			_ = fn.Close()
			return nil, err
		}
	}
	return fn, nil
}

// MaxAttempts bounds the tries of one cold sample.
const MaxAttempts = 3

// ColdSample is ColdInvoke tried again, up to MaxAttempts, when the
// emulator failed (retried) or the bootstrap ended without an answer (lost;
// about once in 3,000 environments on a loaded machine). Each attempt asks
// payload for a new event: a lost attempt may have claimed its key or
// stored its ticket, and a replay is not a cold start. want, when not 0, is
// the status the answer must have.
func ColdSample(ctx context.Context, cfg rie.Config, payload func(attempt int) ([]byte, error), place func(int) error, want int) (res ColdResult, retried, lost int, err error) {
	for attempt := 1; ; attempt++ {
		var ev []byte
		if ev, err = payload(attempt); err != nil {
			return res, retried, lost, err
		}
		res, err = ColdInvoke(ctx, cfg, ev, place)
		var fe *rie.FunctionError
		isLost := errors.As(err, &fe) && fe.Type == "Runtime.Unknown"
		if err == nil || !errors.Is(err, rie.ErrEmulator) && !isLost || attempt == MaxAttempts {
			break
		}
		if isLost {
			lost++
		} else {
			retried++
		}
	}
	if err == nil && want != 0 && res.Status != want {
		err = fmt.Errorf("%s: answered %d, want %d: %s", cfg.Name, res.Status, want, res.Payload)
	}
	return res, retried, lost, err
}
