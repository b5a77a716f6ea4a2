// Package rietest builds what tests of code that drives AWS's Runtime
// Interface Emulator need: the emulator and a small echo function
// (../testdata/echofn) that reports the invocation it received.
package rietest

import (
	"context"
	"path/filepath"
	"runtime"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

// Build puts the emulator and the echo function's bootstrap, built for this
// machine, under dir and returns their paths.
func Build(ctx context.Context, dir string) (emulator, echoBootstrap string, err error) {
	_, file, _, _ := runtime.Caller(0)
	echoPkg := filepath.Join(filepath.Dir(file), "..", "testdata", "echofn")
	emulator, echoBootstrap = filepath.Join(dir, "aws-lambda-rie"), filepath.Join(dir, "echo", "bootstrap")
	if err := lambdabuild.Emulator(ctx, ".", emulator); err != nil {
		return "", "", err
	}
	if err := lambdabuild.Bootstrap(ctx, ".", echoPkg, lambdabuild.Host, echoBootstrap); err != nil {
		return "", "", err
	}
	return emulator, echoBootstrap, nil
}
