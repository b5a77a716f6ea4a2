// Package scripts tests the repository's shell scripts.
package scripts

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sandbox is a copy of the repository's python-tools.sh and
// requirements-dev.txt in a temporary root, with a PATH that holds only the
// system directories and bin (where a test puts stand-in tools), and an empty
// HOME and pyenv: the machine's real tools are out of sight.
type sandbox struct {
	root, bin string
	env       []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	dir := t.TempDir()
	s := &sandbox{root: filepath.Join(dir, "repo"), bin: filepath.Join(dir, "bin")}
	for _, d := range []string{filepath.Join(s.root, "scripts"), s.bin, filepath.Join(dir, "home"), filepath.Join(dir, "pyenv")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, "python-tools.sh", filepath.Join(s.root, "scripts", "python-tools.sh"), 0o755)
	copyFile(t, filepath.Join("..", "requirements-dev.txt"), filepath.Join(s.root, "requirements-dev.txt"), 0o644)
	s.env = []string{
		"PATH=" + s.bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(dir, "home"),
		"PYENV_ROOT=" + filepath.Join(dir, "pyenv"),
		// No package index: a port nothing listens on, and no local wheels.
		"PIP_INDEX_URL=http://" + closedAddr(t) + "/simple",
		"PIP_FIND_LINKS=" + filepath.Join(dir, "home"),
		"PIP_CONFIG_FILE=/dev/null",
	}
	return s
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// stub writes an executable script that stands in for a tool and succeeds.
func stub(t *testing.T, dir, name string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho \"$0 stand-in\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs python-tools.sh exec env and returns the variables it set, its
// stderr and whether it succeeded. It must finish well within a minute even
// with no package index: pip is told to give up quickly.
func (s *sandbox) run(t *testing.T) (vars map[string]string, stderr string, ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.root, "scripts", "python-tools.sh"), "exec", "env")
	cmd.Env = s.env
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("python-tools.sh hung (killed after 2 minutes)\n%s", &errBuf)
	}
	vars = map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, found := strings.Cut(line, "="); found {
			vars[k] = v
		}
	}
	return vars, errBuf.String(), err == nil
}

// Installed tools are used as they are, and no .venv is made.
func TestPythonToolsUsesInstalledTools(t *testing.T) {
	s := newSandbox(t)
	want := map[string]string{
		"MOTO_SERVER": stub(t, s.bin, "moto_server"),
		"CFN_LINT":    stub(t, s.bin, "cfn-lint"),
		"PYTHON":      stub(t, s.bin, "python3"),
	}
	vars, stderr, ok := s.run(t)
	if !ok {
		t.Fatalf("failed with the tools on PATH:\n%s", stderr)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
	if _, err := os.Stat(filepath.Join(s.root, ".venv")); !os.IsNotExist(err) {
		t.Errorf(".venv was made although every tool was installed (stat: %v)", err)
	}
}

// A complete .venv wins over anything installed.
func TestPythonToolsUsesTheVenv(t *testing.T) {
	s := newSandbox(t)
	venvBin := filepath.Join(s.root, ".venv", "bin")
	want := map[string]string{
		"MOTO_SERVER": stub(t, venvBin, "moto_server"),
		"CFN_LINT":    stub(t, venvBin, "cfn-lint"),
		"PYTHON":      stub(t, venvBin, "python"),
	}
	stub(t, s.bin, "moto_server")
	vars, stderr, ok := s.run(t)
	if !ok {
		t.Fatalf("failed with a complete .venv:\n%s", stderr)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
}

// Nothing installed and no package index: it tries to make .venv, fails
// fast, removes the half-made .venv and says exactly what to install.
func TestPythonToolsMissingWithoutPackageIndex(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("this test needs a python3 to try making .venv with: %v", err)
	}
	s := newSandbox(t)
	stub(t, s.bin, "moto_server") // one tool present: the others are still missing
	_, stderr, ok := s.run(t)
	if ok {
		t.Fatalf("succeeded with cfn-lint and aws-sam-translator missing and no package index:\n%s", stderr)
	}
	for _, want := range []string{
		"installing requirements-dev.txt into .venv",
		"could not install requirements-dev.txt into .venv (no package index reachable?)",
		"cannot provide: cfn-lint aws-sam-translator.",
		"python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt",
		"pip install -r requirements-dev.txt",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(s.root, ".venv")); !os.IsNotExist(err) {
		t.Errorf("a half-made .venv was left behind (stat: %v)", err)
	}
}
