package fakeaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/fakeaws"
)

func TestSecretsManager(t *testing.T) {
	ctx := context.Background()
	var sm fakeaws.SecretsManager
	if out, err := sm.GetSecretValue(ctx, nil); err != nil || out.SecretString != nil {
		t.Fatalf("zero value answered %v, %v; want a secret without a string", out, err)
	}
	sm.Set("v1", nil)
	if out, err := sm.GetSecretValue(ctx, nil); err != nil || out.SecretString == nil || *out.SecretString != "v1" {
		t.Fatalf("after Set(v1) answered %v, %v", out, err)
	}
	boom := errors.New("boom")
	sm.Set("ignored", boom)
	if out, err := sm.GetSecretValue(ctx, nil); !errors.Is(err, boom) || out != nil {
		t.Fatalf("after Set(_, boom) answered %v, %v", out, err)
	}
	if sm.Calls() != 3 {
		t.Errorf("Calls = %d, want 3", sm.Calls())
	}
	if out, _ := fakeaws.NewSecretsManager("v2", nil).GetSecretValue(ctx, nil); *out.SecretString != "v2" {
		t.Errorf("NewSecretsManager(v2) answered %q", *out.SecretString)
	}
}

func TestSecretsManagerCountsCallsToNext(t *testing.T) {
	next := fakeaws.NewSecretsManager("v", nil)
	c := &fakeaws.SecretsManager{Next: next}
	for range 3 {
		if out, err := c.GetSecretValue(context.Background(), nil); err != nil || *out.SecretString != "v" {
			t.Fatalf("answered %v, %v; want Next's answer", out, err)
		}
	}
	if c.Calls() != 3 || next.Calls() != 3 {
		t.Errorf("Calls = %d, Next's = %d; want 3 and 3", c.Calls(), next.Calls())
	}
}
