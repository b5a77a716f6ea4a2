// Command echofn is a test Lambda function for the emulator harness. By default it
// returns its event unchanged; an event {"action": ...}, or an HTTP API event
// with such a body, makes it sleep, crash, fail, answer a given response, or
// report what it sees. ECHOFN_INIT makes its init fail.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type command struct {
	Action   string          `json:"action"`
	Ms       int             `json:"ms"`
	Response json.RawMessage `json:"response"`
}

func main() {
	switch os.Getenv("ECHOFN_INIT") {
	case "exit":
		log.Fatal("echofn: init failed on purpose")
	case "post":
		postInitError()
		os.Exit(1)
	case "hang": // not select{}: the Go runtime ends a program with no goroutine left
		time.Sleep(time.Hour)
	}
	lambda.Start(handle)
}

func postInitError() {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	body := `{"errorType":"Echofn.InitError","errorMessage":"init failed on purpose"}`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Echofn.InitError")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

func handle(ctx context.Context, event json.RawMessage) (any, error) {
	var cmd command
	_ = json.Unmarshal(event, &cmd)
	if cmd.Action == "" {
		// Behind the gateway the command is the body of an HTTP API event.
		var req struct {
			Body string `json:"body"`
		}
		_ = json.Unmarshal(event, &req)
		_ = json.Unmarshal([]byte(req.Body), &cmd) // a base64 body sets nothing: no "{" in its alphabet
	}
	switch cmd.Action {
	case "sleep":
		time.Sleep(time.Duration(cmd.Ms) * time.Millisecond)
		return map[string]int{"slept_ms": cmd.Ms, "pid": os.Getpid()}, nil
	case "crash":
		fmt.Println("echofn: crashing on purpose")
		os.Exit(3)
	case "panic":
		panic("echofn: panic on purpose")
	case "error":
		return nil, errors.New("echofn: failed on purpose")
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		return env, nil
	case "context":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return map[string]any{
			"request_id":   lc.AwsRequestID,
			"function_arn": lc.InvokedFunctionArn,
			"deadline_ms":  deadline.UnixMilli(),
		}, nil
	case "print":
		fmt.Println("line to stdout")
		fmt.Fprintln(os.Stderr, "line to stderr")
		return map[string]int{"pid": os.Getpid()}, nil
	case "respond":
		return cmd.Response, nil
	case "big":
		return bytes.Repeat([]byte("x"), cmd.Ms), nil
	}
	return event, nil
}
