// Package fakeaws is an in-memory Secrets Manager for unit tests that
// script an answer or a failure, or count the calls reaching a real client
// (the same paths are also tested against moto_server).
package fakeaws

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/internal/secretcache"
)

// SecretsManager counts every GetSecretValue and passes it to Next when
// set (typically the real client against moto_server); without Next it
// answers one secret string or one error, whatever secret is asked for.
// The zero value answers a secret without a string (a binary secret) until
// Set is called. It is safe for concurrent use.
type SecretsManager struct {
	Next secretcache.Getter

	mu    sync.Mutex
	value *string
	err   error
	calls int
}

// NewSecretsManager returns a SecretsManager answering as Set(value, err).
func NewSecretsManager(value string, err error) *SecretsManager {
	sm := &SecretsManager{}
	sm.Set(value, err)
	return sm
}

// GetSecretValue counts the call and answers as Next, else as Set.
func (s *SecretsManager) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	s.calls++
	value, err := s.value, s.err
	s.mu.Unlock()
	if s.Next != nil {
		return s.Next.GetSecretValue(ctx, in, opts...)
	}
	if err != nil {
		return nil, err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: value}, nil
}

// Set changes the answer of later calls: value, or err if it is not nil.
func (s *SecretsManager) Set(value string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value, s.err = aws.String(value), err
}

// Calls reports how many GetSecretValue calls were made.
func (s *SecretsManager) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}
