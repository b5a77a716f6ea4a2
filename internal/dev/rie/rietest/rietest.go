// Package rietest builds what tests of code that drives AWS's Runtime
// Interface Emulator need: the emulator and a small echo function
// (../testdata/echofn) that reports the invocation it received.
package rietest

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// Build puts the emulator and the echo function's bootstrap, built for this
// machine, under dir and returns their paths.
func Build(ctx context.Context, dir string) (emulator, echoBootstrap string, err error) {
	root, err := deployment.FindRoot()
	if err != nil {
		return "", "", err
	}
	err = lambdabuild.HostBuild(ctx, root, dir, map[string]string{"echo": "./internal/dev/rie/testdata/echofn"})
	return lambdabuild.EmulatorPath(dir), lambdabuild.BootstrapPath(dir, "echo"), err
}

// Bootstraps waits until an invocation in flight has reached f's
// bootstrap and returns the bootstraps' process ids, killed at the end of
// the test should the pool not have stopped them. It fails t after 20s.
func Bootstraps(t testing.TB, f *rie.Function) []int {
	t.Helper()
	var pids []int
	for deadline := time.Now().Add(20 * time.Second); len(pids) == 0; pids = f.RuntimePIDs() {
		if time.Now().After(deadline) {
			t.Fatal("the invocation never reached the bootstrap")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return pids
}
