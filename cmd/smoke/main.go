// Command smoke checks a running Periskope bridge without creating a ticket
// (make smoke): a deployed stack, with the caller's AWS credentials, or the
// local system that make run started. It prints every check and exits 1
// when one fails, 2 when it cannot start.
//
//	smoke -stack periskope-bridge-dev          # make smoke ENV=dev
//	smoke -local                               # make smoke (make run's default ports)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
	"github.com/periskope-connect/periskope-aws/internal/ops/smoke"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	stack   string
	local   bool
	apiURL  string
	motoURL string
	timeout time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := opscmd.Flags("smoke", stderr)
	fs.StringVar(&o.stack, "stack", "", "deployed stack to check (periskope-bridge-<env>); AWS credentials and region from the environment")
	fs.BoolVar(&o.local, "local", false, "check the local system of make run instead")
	fs.StringVar(&o.apiURL, "api-url", opscmd.LocalURL(local.APIPort), "with -local: the local API")
	fs.StringVar(&o.motoURL, "moto-url", opscmd.LocalURL(local.MotoPort), "with -local: the local moto_server holding the signing key")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if (o.stack == "") == !o.local {
		return o, errors.New("give either -stack NAME or -local")
	}
	return o, nil
}

// run is main with its exit status: 0 every check passed, 1 one failed, 2
// the checks could not run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return opscmd.Exit(stderr, "smoke", err, 2)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	endpoint := ""
	if o.local {
		endpoint = o.motoURL
	}
	cfg, err := opscmd.AWSConfig(ctx, endpoint)
	if err != nil {
		return opscmd.Exit(stderr, "smoke", fmt.Errorf("loading the AWS configuration: %w", err), 2)
	}
	var target smoke.Target
	if o.local {
		// The local gateway checks no signature; signing anyway runs the
		// same code as against AWS.
		if target, err = smoke.Local(ctx, o.apiURL, local.SigningKeySecret, secretsmanager.NewFromConfig(cfg)); err != nil {
			err = fmt.Errorf("%w (is make run running?)", err)
		}
	} else {
		target, err = smoke.Deployed(ctx, o.stack, cloudformation.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg))
	}
	if err != nil {
		return opscmd.Exit(stderr, "smoke", err, 2)
	}
	report := (&smoke.Checker{Credentials: cfg.Credentials, Region: cfg.Region}).Run(ctx, target)
	_, _ = report.WriteTo(stdout)
	if !report.OK() {
		return 1
	}
	return 0
}
