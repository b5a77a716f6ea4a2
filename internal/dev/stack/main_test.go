package stack_test

import (
	"context"
	"os"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// binDir holds the function bootstraps, built once by TestMain with Build
// (what Start runs without SkipBuild) for every test that starts the stack.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(testkit.MainWithDir(m, "devstack-test", func(dir string) error {
		root, err := deployment.FindRoot()
		if err != nil {
			return err
		}
		binDir = dir
		return stack.Build(context.Background(), root, dir)
	}))
}

// startStack starts the local system from binDir's bootstraps with cfg's
// options, and stops it when the test ends; its output is shown when the
// test failed.
func startStack(t *testing.T, cfg stack.Config) *stack.Stack {
	t.Helper()
	logs := &testkit.Buffer{}
	cfg.Output, cfg.BinDir, cfg.SkipBuild = logs, binDir, true
	st, err := stack.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("starting the local system: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		_ = st.Close()
		if t.Failed() {
			t.Logf("local system output:\n%s", logs)
		}
	})
	return st
}
