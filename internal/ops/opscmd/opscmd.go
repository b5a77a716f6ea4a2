// Package opscmd is what the operator commands (cmd/reconcile, cmd/lookup,
// cmd/smoke) share: their flags and errors, where AWS is and where the
// local system listens. cmd/samenv takes its flags and errors too.
package opscmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/text"
)

// Flags returns command name's flag set, which prints its errors and -h on
// stderr and leaves the exit to the command (see Exit).
func Flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// Exit prints err on stderr as one line prefixed by name, escaped (it can
// quote what AWS or Periskope sent), and returns status; 0 for no error or
// for -h, whose usage the flag set has printed.
func Exit(stderr io.Writer, name string, err error, status int) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, name+":", text.Escape(err.Error()))
	return status
}

// AWSConfig is moto's fixed settings (local.AWSConfig) for a local
// endpoint, else the default chain an operator's aws CLI uses.
func AWSConfig(ctx context.Context, endpoint string) (aws.Config, error) {
	if endpoint != "" {
		return local.AWSConfig(endpoint), nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err == nil && cfg.Region == "" {
		err = errors.New("no AWS region: set AWS_REGION or the profile's region")
	}
	return cfg, err
}

// LocalURL is the local system's service on port.
func LocalURL(port int) string { return "http://" + net.JoinHostPort(local.Host, strconv.Itoa(port)) }
