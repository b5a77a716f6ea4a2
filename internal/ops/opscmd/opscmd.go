// Package opscmd is what the operator commands (cmd/reconcile, cmd/lookup,
// cmd/smoke) share: where AWS is and where the local system listens.
package opscmd

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// AWSConfig is moto's fixed settings (local.AWSConfig) for a local
// endpoint, else the default chain an operator's aws CLI uses (environment,
// profile, SSO).
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
