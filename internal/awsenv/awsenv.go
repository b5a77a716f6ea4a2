// Package awsenv builds the AWS SDK configuration of a Lambda function from
// the environment Lambda gives it. It does not use config.LoadDefaultConfig,
// whose shared-config, SSO, STS and IMDS code adds about a fifth to the
// binary and to cold-start time (BENCHMARKS.md): in Lambda the region and
// credentials are always environment variables.
package awsenv

import (
	"cmp"
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// EnvEndpoint is the SDK's standard endpoint override variable;
// template.yaml declares it empty so that sam local can set it.
const EnvEndpoint = "AWS_ENDPOINT_URL"

// ErrNoRegion is returned when neither AWS_REGION nor AWS_DEFAULT_REGION is set.
var ErrNoRegion = errors.New("awsenv: AWS_REGION is not set")

// Config returns an aws.Config with the region, the credentials and the
// endpoint override of the environment.
func Config() (aws.Config, error) {
	return FromLookup(os.Getenv)
}

// FromLookup is Config with the environment read through getenv.
func FromLookup(getenv func(string) string) (aws.Config, error) {
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return aws.Config{}, ErrNoRegion
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(envCredentials(getenv)),
	}
	if endpoint := getenv(EnvEndpoint); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg, nil
}

// envCredentials reads the variables Lambda sets for the execution role,
// on every retrieval so a test or emulator can change them.
func envCredentials(getenv func(string) string) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) {
		id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return aws.Credentials{}, errors.New("awsenv: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return aws.Credentials{
			AccessKeyID:     id,
			SecretAccessKey: secret,
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
			Source:          "Environment",
		}, nil
	}
}
