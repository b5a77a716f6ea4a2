package opscmd

import (
	"context"
	"errors"
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

// An error is one line on stderr, prefixed once and escaped; -h is no
// error: the flag set has printed the usage.
func TestExit(t *testing.T) {
	var stderr strings.Builder
	fs := Flags("cmd", &stderr)
	fs.Bool("x", false, "the usage line")
	if code := Exit(&stderr, "cmd", fs.Parse([]string{"-h"}), 2); code != 0 || !strings.Contains(stderr.String(), "the usage line") {
		t.Errorf("-h: exit %d, stderr %q; want 0 and the usage", code, stderr.String())
	}
	stderr.Reset()
	if code := Exit(&stderr, "cmd", errors.New("ticket \x1b]52;c;eA==\x07\nforged"), 3); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if got, want := stderr.String(), `cmd: ticket \x1b]52;c;eA==\x07\nforged`+"\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if code := Exit(&stderr, "cmd", nil, 2); code != 0 {
		t.Errorf("no error: exit %d", code)
	}
}
