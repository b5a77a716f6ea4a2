package opscmd

import (
	"context"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// Without a region the operator commands stop at once and say what to set,
// rather than failing every AWS call later.
func TestAWSConfigWantsARegion(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	if _, err := AWSConfig(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: err = %v, want one naming AWS_REGION", err)
	}
	t.Setenv("AWS_REGION", "eu-west-1")
	if cfg, err := AWSConfig(context.Background(), ""); err != nil || cfg.Region != "eu-west-1" {
		t.Errorf("AWS_REGION set: region %q, err %v", cfg.Region, err)
	}
	cfg, err := AWSConfig(context.Background(), LocalURL(local.MotoPort))
	if err != nil || cfg.Region != local.Region || *cfg.BaseEndpoint != "http://127.0.0.1:5000" {
		t.Errorf("local: region %q, endpoint %v, err %v", cfg.Region, cfg.BaseEndpoint, err)
	}
}
