package stack_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

// binDir holds the function bootstraps, built once by TestMain with Build
// (what Start runs without SkipBuild) for every test that starts the stack.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "devstack-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := stack.FindRoot()
	if err == nil {
		err = stack.Build(context.Background(), root, dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the functions:", err)
		return 1
	}
	binDir = dir
	return m.Run()
}
