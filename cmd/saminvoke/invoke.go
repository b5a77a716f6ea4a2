package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// response is the part of a function's answer that is checked.
type response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

// noResponseHint explains SAM CLI's "No response from invoke container"
// when the container starts slowly (arm64 under emulation, a busy machine).
const noResponseHint = "SAM CLI gave up on the container before its emulator listened: " +
	"with Docker's userland proxy SAM CLI's connection check succeeds at once; " +
	"start dockerd with --userland-proxy=false (see docs/local.md, With the SAM CLI)"

// invoke runs one sample through sam local invoke and returns the
// function's response; SAM CLI's whole output goes to logPath.
func invoke(ctx context.Context, o options, root, envFile string, s samples.Sample, logPath string) (response, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return response{}, err
	}
	defer logFile.Close()
	var stdout, stderr bytes.Buffer
	args := []string{"local", "invoke", s.Function, "-e", filepath.Join(samples.Dir, s.File), "--env-vars", envFile}
	fmt.Fprintf(logFile, "$ %s %s\n", o.sam, strings.Join(args, " "))
	err = runSAM(ctx, o, root, &stdout, io.MultiWriter(&stderr, logFile), args...)
	fmt.Fprintf(logFile, "\n--- stdout (the response)\n%s\n", stdout.String())
	if err != nil {
		return response{}, fmt.Errorf("sam local invoke: %v", err)
	}
	if stdout.Len() == 0 {
		if strings.Contains(stderr.String(), "No response from invoke container") {
			return response{}, errors.New("no response: " + noResponseHint)
		}
		return response{}, fmt.Errorf("no response; SAM CLI said:\n%s", lastLines(stderr.Bytes(), 5))
	}
	var res response
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return response{}, fmt.Errorf("the response is not an API Gateway answer (%v): %.200s", err, stdout.String())
	}
	return res, nil
}

func check(res response, want samples.Sample) error {
	if res.StatusCode != want.Status || !strings.Contains(res.Body, want.Contains) {
		return fmt.Errorf("got %d %.200s, want %d with %s", res.StatusCode, res.Body, want.Status, want.Contains)
	}
	return nil
}

// runSAM runs the SAM CLI in root without the caller's AWS credentials.
func runSAM(ctx context.Context, o options, root string, stdout, stderr io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, o.sam, args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = samEnv(os.Environ())
	return cmd.Run()
}

// samEnv is environ without AWS credentials, profiles or instance metadata.
func samEnv(environ []string) []string {
	env := slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains([]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"}, name)
	})
	return append(env, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_CONFIG_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
}

// resetStoredSamples deletes from the local table the tickets of the
// samples expected to be stored, so that make sam-invoke can run again
// against the same local system (a second delivery is a duplicate).
func resetStoredSamples(ctx context.Context, root string, motoPort int, out io.Writer) error {
	db := dynamodb.NewFromConfig(local.AWSConfig(opscmd.LocalURL(motoPort)))
	for _, s := range samples.All {
		if s.Function != stack.WebhookFunction || s.Contains != `"status":"stored"` {
			continue
		}
		org, id, err := sampleTicket(root, s)
		if err != nil {
			return err
		}
		deleted, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:    aws.String(local.Table),
			Key:          ticketstore.ItemKey(org, id),
			ReturnValues: types.ReturnValueAllOld,
		})
		if err != nil {
			return fmt.Errorf("removing %s's ticket from the local table: %w", s.File, err)
		}
		if len(deleted.Attributes) > 0 {
			fmt.Fprintf(out, "Removed ticket %s (stored by an earlier run) from the local table, so that %s stores it again.\n", id, s.File)
		}
	}
	return nil
}

// sampleTicket reads the ticket's org and id from a webhook sample's body.
func sampleTicket(root string, s samples.Sample) (org, id string, err error) {
	body, err := samples.Body(root, s)
	if err != nil {
		return "", "", err
	}
	ev, err := periskope.ParseEvent(body)
	if err == nil {
		var info *periskope.TicketInfo
		// Both ids, or the reset would delete the item of an empty key.
		if info, err = ev.TicketInfo(); err == nil && info.Ticket != nil && info.Ticket.OrgID != "" && info.Ticket.TicketID != "" {
			return info.Ticket.OrgID, info.Ticket.TicketID, nil
		}
	}
	return "", "", fmt.Errorf("%s: no data.ticket in its body (%v)", s.File, err)
}
