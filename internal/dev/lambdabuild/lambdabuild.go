// Package lambdabuild builds Lambda bootstraps for the harness (tests,
// benchmarks, the local system) with the flags of a deployed one, and AWS's
// Runtime Interface Emulator from the tools module.
package lambdabuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// Flags are the go build flags of a deployed bootstrap (deploy/deploy.mk's
// LAMBDA_BUILD_FLAGS, which a test keeps equal): lambda.norpc drops
// aws-lambda-go's net/rpc server, which provided.al2023 never uses;
// -trimpath, -buildvcs=false and -s -w keep local paths, the commit and
// symbols out, so the same code gives the same bytes.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// ErrBuild wraps a failed go build; the error carries the compiler's output.
var ErrBuild = errors.New("lambdabuild: go build failed")

// Bootstrap builds the main package pkg (a path relative to the module root
// root, like "./functions/webhook", or an absolute directory) with Flags and
// CGO_ENABLED=0 for goos/goarch, into dst.
func Bootstrap(ctx context.Context, root, pkg, goos, goarch, dst string) error {
	args := append([]string{"build"}, Flags...)
	return goCommand(ctx, root, append(args, "-o", dst, pkg), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
}

// HostBuild builds, for this machine, the emulator into EmulatorPath(dir)
// and each main package of bootstraps into BootstrapPath(dir, name), side
// by side: each is mostly a link, and links are single-threaded. A failed
// build's error names its package and destination (ErrBuild).
func HostBuild(ctx context.Context, root, dir string, bootstraps map[string]string) error {
	errs := make(chan error, len(bootstraps)+1)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- Emulator(ctx, root, EmulatorPath(dir)) })
	for name, pkg := range bootstraps {
		wg.Go(func() { errs <- Bootstrap(ctx, root, pkg, runtime.GOOS, runtime.GOARCH, BootstrapPath(dir, name)) })
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// BootstrapPath is where HostBuild puts the bootstrap called name.
func BootstrapPath(dir, name string) string { return filepath.Join(dir, name, "bootstrap") }

// EmulatorPath is where HostBuild puts the Runtime Interface Emulator.
func EmulatorPath(dir string) string { return filepath.Join(dir, "aws-lambda-rie") }

// Emulator builds the Runtime Interface Emulator at the version
// tools/go.mod pins (out of a pkg/periskope user's module graph), for this
// machine, into dst; root is the module root. Like every go build -o, it
// does not link again when dst is up to date.
func Emulator(ctx context.Context, root, dst string) error {
	const tool = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	return goCommand(ctx, root, []string{"build", "-modfile=" + filepath.Join(root, "tools/go.mod"), "-o", dst, tool},
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
}

// goCommand runs go in root with env added.
func goCommand(ctx context.Context, root string, args []string, env ...string) error {
	goTool, err := GoTool()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: go %q: %v\n%s", ErrBuild, args, err, out)
	}
	return nil
}

// GoTool finds the go command on PATH.
func GoTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	return "", errors.New("lambdabuild: the go command is not on PATH; install Go to build the functions")
}
