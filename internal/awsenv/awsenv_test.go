package awsenv_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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

// hostRecorder is an HTTP client that records the host of the one request it
// gets and fails it, so no request leaves the machine.
type hostRecorder struct{ host string }

var errRecorded = errors.New("recorded, not sent")

func (r *hostRecorder) Do(req *http.Request) (*http.Response, error) {
	r.host = req.URL.Host
	return nil, errRecorded
}

// template.yaml declares AWS_ENDPOINT_URL as "" in every function (so that
// sam local --env-vars may set it): Lambda then gives the functions the
// variable, present and empty, and that must mean the real AWS endpoints.
func TestEmptyEndpointMeansRealAWS(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "")
	if _, set := os.LookupEnv("AWS_ENDPOINT_URL"); !set {
		t.Fatal("AWS_ENDPOINT_URL should be set (to the empty string) for this test")
	}
	cfg, err := awsenv.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseEndpoint != nil {
		t.Fatalf("BaseEndpoint = %q, want none for AWS_ENDPOINT_URL=\"\"", *cfg.BaseEndpoint)
	}

	calls := []struct {
		want string
		call func(*hostRecorder) error
	}{
		{"dynamodb.eu-west-1.amazonaws.com", func(r *hostRecorder) error {
			_, err := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.HTTPClient = r; o.RetryMaxAttempts = 1 }).
				ListTables(context.Background(), &dynamodb.ListTablesInput{})
			return err
		}},
		{"secretsmanager.eu-west-1.amazonaws.com", func(r *hostRecorder) error {
			_, err := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.HTTPClient = r; o.RetryMaxAttempts = 1 }).
				GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
			return err
		}},
	}
	for _, c := range calls {
		r := &hostRecorder{}
		if err := c.call(r); !errors.Is(err, errRecorded) {
			t.Fatalf("call to %s: %v, want the recorder's error", c.want, err)
		}
		if r.host != c.want {
			t.Errorf("request went to %q, want %q", r.host, c.want)
		}
	}

	// And a value still selects an emulator, for the same clients.
	t.Setenv("AWS_ENDPOINT_URL", "http://172.17.0.1:5000")
	if cfg, err = awsenv.Config(); err != nil || aws.ToString(cfg.BaseEndpoint) != "http://172.17.0.1:5000" {
		t.Fatalf("BaseEndpoint = %v, %v", cfg.BaseEndpoint, err)
	}
}
