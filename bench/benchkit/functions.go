package benchkit

import (
	"context"
	"encoding/json"
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
	// Init is the emulator's INIT REPORT: exec of the bootstrap to its
	// first /next.
	Init time.Duration
	// FirstResponse is the round trip of the first invocation through the
	// emulator: exec, init, the handler and the emulator's own hops.
	FirstResponse time.Duration
	Status        int // statusCode of the answer
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
