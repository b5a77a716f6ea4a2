package smoke

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

// The outputs of template.yaml the checks read.
const (
	outputTicketsURL    = "CreateTicketUrl"
	outputWebhookURL    = "WebhookUrl"
	outputSigningKeyARN = "SigningKeySecretArn"
)

// Stacks is the CloudFormation call Deployed makes; *cloudformation.Client
// implements it.
type Stacks interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Deployed builds the Target of a deployed stack from its outputs and its
// signing-key secret.
func Deployed(ctx context.Context, stack string, stacks Stacks, secrets secretcache.Getter) (Target, error) {
	described, err := stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err == nil && len(described.Stacks) != 1 {
		err = fmt.Errorf("%d stacks named %s", len(described.Stacks), stack)
	}
	if err != nil {
		return Target{}, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	out := map[string]string{}
	for _, o := range described.Stacks[0].Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	for _, key := range []string{outputTicketsURL, outputWebhookURL, outputSigningKeyARN} {
		if out[key] == "" {
			return Target{}, fmt.Errorf("%w: stack %s has no output %s", errMissingOutput, stack, key)
		}
	}
	key, err := signingKey(ctx, secrets, out[outputSigningKeyARN])
	if err != nil {
		return Target{}, fmt.Errorf("%w (a new stack's secret has no value until you set it as docs/deploy.md's \"Set the secrets\" says)", err)
	}
	return Target{Name: stack, TicketsURL: out[outputTicketsURL], WebhookURL: out[outputWebhookURL], SigningKey: key, IAM: true}, nil
}

// Local builds the Target of the local system (make run) whose gateway is
// apiURL.
func Local(ctx context.Context, apiURL, signingKeySecret string, secrets secretcache.Getter) (Target, error) {
	key, err := signingKey(ctx, secrets, signingKeySecret)
	if err != nil {
		return Target{}, err
	}
	base := strings.TrimSuffix(apiURL, "/")
	return Target{Name: "the local system at " + base, TicketsURL: base + "/tickets", WebhookURL: base + "/webhooks/periskope", SigningKey: key}, nil
}

// signingKey returns the current key (the first, while rotating) of the
// secret the webhook verifies with.
func signingKey(ctx context.Context, secrets secretcache.Getter, id string) (string, error) {
	raw, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", fmt.Errorf("%w: reading secret %s: %v", errSigningKey, id, err)
	}
	keys, err := secretcache.ParseSigningKeys(aws.ToString(raw.SecretString))
	if err != nil {
		return "", fmt.Errorf("%w: secret %s: %v", errSigningKey, id, err)
	}
	return keys[0], nil
}
