package stack_test

import (
	"context"
	"os"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// binDir holds the function bootstraps, built once by TestMain with Build
// (what Start runs without SkipBuild) for every test that starts the stack.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(testkit.MainWithDir(m, "devstack-test", func(dir string) error {
		root, err := stack.FindRoot()
		if err != nil {
			return err
		}
		binDir = dir
		return stack.Build(context.Background(), root, dir)
	}))
}
