package lambdabuild_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

func TestBootstrapBuildsWithTheDeployedTags(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdabuild.Bootstrap(context.Background(), ".", "./testdata/tagged", lambdabuild.Host, dst); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(dst).Output()
	if err != nil {
		t.Fatalf("running %s: %v", dst, err)
	}
	if got := strings.TrimSpace(string(out)); got != "[lambda.norpc]" {
		t.Errorf("built with tags %s, want [lambda.norpc]", got)
	}
}

func TestBootstrapReportsAFailedBuild(t *testing.T) {
	err := lambdabuild.Bootstrap(context.Background(), ".", "./testdata/no-such-package", lambdabuild.Host, filepath.Join(t.TempDir(), "bootstrap"))
	if !errors.Is(err, lambdabuild.ErrBuild) || !strings.Contains(err.Error(), "no-such-package") {
		t.Errorf("error %v, want ErrBuild naming the package", err)
	}
}

func TestEmulatorBuildsTheRIE(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "aws-lambda-rie")
	if err := lambdabuild.Emulator(context.Background(), ".", dst); err != nil {
		t.Fatal(err)
	}
	// Its flags parser rejects a bad address before anything starts.
	out, err := exec.Command(dst, "--runtime-interface-emulator-address", "not-an-address").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "runtime-interface-emulator-address") {
		t.Errorf("the built emulator accepted a bad address: %v %s", err, out)
	}
}
