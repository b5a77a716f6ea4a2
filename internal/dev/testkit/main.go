package testkit

import (
	"fmt"
	"os"
	"testing"
)

// MainWithDir is a TestMain body that prepares files (bootstraps) once in a
// temporary directory, runs the tests if prepare succeeded, removes the
// directory and returns the exit code; a failed prepare fails the run.
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
