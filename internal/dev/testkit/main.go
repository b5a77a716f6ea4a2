package testkit

import (
	"fmt"
	"os"
	"testing"
)

// MainWithDir is the body of a TestMain that prepares files once per test
// binary (typically builds bootstraps): it makes a temporary directory named
// after pattern, calls prepare with it, runs the tests if prepare succeeded,
// and removes the directory. It returns the exit code for os.Exit. A failed
// prepare is reported on stderr and fails the run before any test starts.
func MainWithDir(m *testing.M, pattern string, prepare func(dir string) error) int {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := prepare(dir); err != nil {
		fmt.Fprintf(os.Stderr, "%s: preparing the tests: %v\n", pattern, err)
		return 1
	}
	return m.Run()
}
