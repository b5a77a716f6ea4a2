package awsenv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
)

func lookup(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func TestFromLookup(t *testing.T) {
	cfg, err := awsenv.FromLookup(lookup(map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:5000" {
		t.Fatalf("cfg = %+v", cfg)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "id" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
		t.Fatalf("creds = %+v, %v", creds, err)
	}
}

func TestDefaultRegionAndNoEndpoint(t *testing.T) {
	cfg, err := awsenv.FromLookup(lookup(map[string]string{"AWS_DEFAULT_REGION": "us-east-2"}))
	if err != nil || cfg.Region != "us-east-2" || cfg.BaseEndpoint != nil {
		t.Fatalf("cfg = %+v, %v", cfg, err)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil {
		t.Fatal("credentials without AWS_ACCESS_KEY_ID retrieved")
	}
}

func TestNoRegion(t *testing.T) {
	if _, err := awsenv.FromLookup(lookup(nil)); !errors.Is(err, awsenv.ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}
