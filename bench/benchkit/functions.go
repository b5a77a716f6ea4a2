package benchkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdaemu"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// WebhookEnv is the webhook function's environment against the local
// secrets and table of motoserver.ProvisionLocal at awsEndpoint.
func WebhookEnv(awsEndpoint string) (map[string]string, error) {
	return stack.FunctionEnv(stack.WebhookFunction, awsEndpoint, "", "")
}

// CreateTicketEnv is create-ticket's environment against the local
// secrets and table at awsEndpoint and a Periskope at baseURL, with the
// local system's phone.
func CreateTicketEnv(awsEndpoint, baseURL string) (map[string]string, error) {
	return stack.FunctionEnv(stack.CreateTicketFunction, awsEndpoint, baseURL, local.Phone)
}

// StatusCode reads statusCode from a function's API Gateway response.
func StatusCode(payload []byte) int {
	var r struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return 0
	}
	return r.StatusCode
}

// ColdResult is one invocation of a fresh process.
type ColdResult struct {
	Init          time.Duration // process start to its first /next
	FirstResponse time.Duration // process start to its first posted result
	Status        int           // statusCode of the answer
	Payload       []byte
}

// ColdInvoke starts one fresh process of cfg (a pool of one, not prewarmed),
// hands it payload, waits for its answer and stops it. It fails when the
// emulator cannot run it or the function reports an error; an HTTP error
// status is a normal answer, reported in Status.
func ColdInvoke(ctx context.Context, cfg lambdaemu.Config, payload []byte) (ColdResult, error) {
	initDone := make(chan time.Duration, 1)
	firstResponse := make(chan time.Duration, 1)
	cfg.MaxInstances, cfg.Prewarm = 1, 0
	cfg.Hooks = lambdaemu.Hooks{
		InitDone:      func(e lambdaemu.ProcessEvent) { initDone <- e.Elapsed },
		FirstResponse: func(e lambdaemu.ProcessEvent) { firstResponse <- e.Elapsed },
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	fn, err := lambdaemu.New(cfg)
	if err != nil {
		return ColdResult{}, err
	}
	defer fn.Close()
	res, err := fn.Invoke(ctx, payload)
	if err != nil {
		return ColdResult{}, err
	}
	if res.Error != nil {
		return ColdResult{}, fmt.Errorf("%s: %w", cfg.Name, res.Error)
	}
	out := ColdResult{Status: StatusCode(res.Payload), Payload: res.Payload}
	// The hooks run on the emulator's goroutines, the last one just after
	// the result is handed over.
	for _, w := range []struct {
		ch  chan time.Duration
		dst *time.Duration
	}{{initDone, &out.Init}, {firstResponse, &out.FirstResponse}} {
		select {
		case *w.dst = <-w.ch:
		case <-time.After(5 * time.Second):
			return ColdResult{}, fmt.Errorf("%s: emulator hook not called", cfg.Name)
		}
	}
	return out, nil
}
