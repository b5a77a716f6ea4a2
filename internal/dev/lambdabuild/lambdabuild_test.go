package lambdabuild_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

func TestBootstrapBuildsWithTheDeployedTags(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "bootstrap")
	if err := lambdabuild.Bootstrap(context.Background(), ".", "./testdata/tagged", runtime.GOOS, runtime.GOARCH, dst); err != nil {
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
	err := lambdabuild.Bootstrap(context.Background(), ".", "./testdata/no-such-package", runtime.GOOS, runtime.GOARCH, filepath.Join(t.TempDir(), "bootstrap"))
	if !errors.Is(err, lambdabuild.ErrBuild) || !strings.Contains(err.Error(), "no-such-package") {
		t.Errorf("error %v, want ErrBuild naming the package", err)
	}
}

func TestEmulatorBuildsTheRIE(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "aws-lambda-rie")
	root, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := lambdabuild.Emulator(context.Background(), root, dst); err != nil {
		t.Fatal(err)
	}
	// Its flags parser rejects a bad address before anything starts.
	out, err := exec.Command(dst, "--runtime-interface-emulator-address", "not-an-address").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "runtime-interface-emulator-address") {
		t.Errorf("the built emulator accepted a bad address: %v %s", err, out)
	}
}

// The local builds use the deployed flags: deploy.mk's LAMBDA_BUILD_FLAGS,
// as make would pass them to go build.
func TestFlagsAreTheDeployedOnes(t *testing.T) {
	mk, err := os.ReadFile("../../../deploy/deploy.mk")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.SplitSeq(string(mk), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimPrefix(l, "override "), "LAMBDA_BUILD_FLAGS :="); ok {
			line = strings.TrimSpace(rest)
		}
	}
	if line == "" {
		t.Fatal("no LAMBDA_BUILD_FLAGS in deploy.mk")
	}
	// The shell removes the quotes of -ldflags="-s -w".
	want := strings.Replace(line, `-ldflags="-s -w"`, "-ldflags=-s -w", 1)
	if got := strings.Join(lambdabuild.Flags, " "); got != want {
		t.Errorf("Flags = %q, deploy.mk builds with %q", got, want)
	}
}
