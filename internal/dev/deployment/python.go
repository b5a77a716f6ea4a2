package deployment

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
)

// Python returns an interpreter that can run deploy/translate.py: Python
// 3.11 or newer with aws-sam-translator and PyYAML. It tries $PYTHON, then
// python3.x on PATH, then PyenvExecutables.
var Python = sync.OnceValues(findPython)

// PyenvExecutables returns the executables called name of the pyenv
// versions under $PYENV_ROOT, then ~/.pyenv, each root's newest first:
// where the machine's Python keeps them when a bare PATH lacks the pyenv
// shims.
func PyenvExecutables(name string) []string {
	var found []string
	home, _ := os.UserHomeDir()
	for _, root := range []string{os.Getenv("PYENV_ROOT"), filepath.Join(home, ".pyenv")} {
		if root != "" {
			matches, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", name))
			slices.Sort(matches)
			slices.Reverse(matches)
			found = append(found, matches...)
		}
	}
	return found
}

func findPython() (string, error) {
	var candidates []string
	if p := os.Getenv("PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	for _, name := range []string{"python3.11", "python3.12", "python3.13", "python3"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	candidates = append(candidates, PyenvExecutables("python3")...)
	// A pyenv shim exists even when the active version lacks the modules, so
	// every candidate is tried, not just found.
	for _, p := range candidates {
		if exec.Command(p, "-c", "import tomllib, yaml, samtranslator").Run() == nil {
			return p, nil
		}
	}
	return "", errors.New("deployment: no Python >= 3.11 with aws-sam-translator and PyYAML found " +
		"(tried $PYTHON, python3.x on PATH, $PYENV_ROOT/versions/*/bin/python3, ~/.pyenv/versions/*/bin/python3); " +
		"install them with: pip install cfn-lint aws-sam-translator")
}
