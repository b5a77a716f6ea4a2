package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildBinary builds the Go main package in pkgDir (relative to the current
// directory, which is the package's own under go test) with the given build
// tags, into a file named bootstrap, as Lambda runs it, in a new temporary
// directory. The compiler's output goes to stderr. cleanup removes the
// directory. It suits TestMain, which has no testing.TB to fail.
func BuildBinary(pkgDir string, tags ...string) (path string, cleanup func(), err error) {
	// An absolute directory is never mistaken for an import path.
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "testkit-build")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	path = filepath.Join(dir, "bootstrap")
	args := []string{"build", "-o", path}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	build := exec.Command("go", append(args, abs)...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building %s: %w", pkgDir, err)
	}
	return path, cleanup, nil
}

// RunWithBinary is the body of a TestMain whose tests run one Go binary:
// it builds pkgDir with tags as BuildBinary does, stores the binary's path
// in *bin, runs the tests, removes the binary and returns the exit code
// for os.Exit. A failed build is reported on stderr and returns 1.
func RunWithBinary(m *testing.M, bin *string, pkgDir string, tags ...string) int {
	path, cleanup, err := BuildBinary(pkgDir, tags...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	*bin = path
	return m.Run()
}
