// Package fakeaws holds in-memory stand-ins of AWS clients for unit tests
// that need to script an answer or a failure, and a wrapper that counts
// the calls reaching a real client. The paths the stand-ins serve are also
// covered with the real SDK against moto_server (see internal/dev/motoserver).
package fakeaws

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager answers every GetSecretValue with one secret string or
// one error, whatever secret is asked for, and counts the calls. The zero
// value answers a secret without a string (a binary secret) until Set is
// called. It is safe for concurrent use.
type SecretsManager struct {
	mu    sync.Mutex
	value *string
	err   error
	calls int
}

// NewSecretsManager returns a SecretsManager answering value, or err if it
// is not nil.
func NewSecretsManager(value string, err error) *SecretsManager {
	sm := &SecretsManager{}
	sm.Set(value, err)
	return sm
}

// GetSecretValue counts the call and answers the current value or error.
func (s *SecretsManager) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: s.value}, nil
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
