package fakeaws

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretValueGetter is the Secrets Manager call the functions make.
type SecretValueGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// CountingSecretsManager passes every GetSecretValue to Next, typically the
// real client against moto_server, and counts the calls, so a test can
// tell how often a cache went to Secrets Manager. It is safe for
// concurrent use.
type CountingSecretsManager struct {
	Next  SecretValueGetter
	calls atomic.Int32
}

// GetSecretValue counts the call and passes it to Next.
func (c *CountingSecretsManager) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	return c.Next.GetSecretValue(ctx, in, opts...)
}

// Calls reports how many GetSecretValue calls were made.
func (c *CountingSecretsManager) Calls() int { return int(c.calls.Load()) }
