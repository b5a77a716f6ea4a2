// Package benchkit holds what the benchmark programs, the load generator and
// the fault tests share: building the bootstraps with release flags, the
// sample deliveries, API Gateway events, latency summaries, peak RSS of a
// process and a counting proxy in front of moto_server.
package benchkit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// Target is a bootstrap the benchmarks build: a main package of the module.
type Target struct {
	Name    string // short name used in reports, e.g. "webhook"
	Package string // import path relative to the module root, e.g. "./functions/webhook"
}

// The binaries measured. Hello is the floor: a hello-world aws-lambda-go
// function built with the same flags.
var (
	Hello                   = Target{Name: "hello (floor)", Package: "./bench/floor/hello"}
	Webhook                 = Target{Name: "webhook", Package: "./functions/webhook"}
	CreateTicket            = Target{Name: "create-ticket", Package: "./functions/create-ticket"}
	CreateTicketLoadDefault = Target{Name: "create-ticket + LoadDefaultConfig", Package: "./bench/variants/create-ticket-loaddefault"}
)

// ReleaseFlags are the go build flags of a deployed bootstrap (besides
// CGO_ENABLED=0 and GOOS/GOARCH in the environment).
var ReleaseFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// Build compiles t for goos/goarch with ReleaseFlags into dst.
func Build(ctx context.Context, root string, t Target, goos, goarch, dst string) error {
	goTool, err := stack.GoTool()
	if err != nil {
		return err
	}
	args := append([]string{"build"}, ReleaseFlags...)
	args = append(args, "-o", dst, t.Package)
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s/%s: %w\n%s", t.Package, goos, goarch, err, out.String())
	}
	return nil
}

// BuildHost builds t for this machine into dir/<sanitized name>/bootstrap
// and returns the path.
func BuildHost(ctx context.Context, root string, t Target, dir string) (string, error) {
	dst := filepath.Join(dir, filepath.Base(t.Package), "bootstrap")
	if err := Build(ctx, root, t, runtime.GOOS, runtime.GOARCH, dst); err != nil {
		return "", err
	}
	return dst, nil
}
