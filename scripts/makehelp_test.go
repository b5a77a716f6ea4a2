package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ruleTarget matches a rule of a plain target name at the start of a line
// (not a variable assignment, not a pattern or .SPECIAL target).
var ruleTarget = regexp.MustCompile(`(?m)^([a-zA-Z][a-zA-Z0-9_-]*):([^=]|$)`)

// TestMakeHelpListsEveryTarget: `make help` has a line for every target the
// root Makefile and the makefiles it includes define.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.mk"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "*", "*", "*.mk"))
	files = append(append(files, more...), filepath.Join(root, "Makefile"))
	defined := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ruleTarget.FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
		}
	}
	if len(defined) < 10 {
		t.Fatalf("found only %d targets in %v: the pattern no longer matches the makefiles", len(defined), files)
	}
	cmd := exec.Command("make", "-s", "--no-print-directory", "help")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			listed[fields[0]] = true
		}
	}
	for target := range defined {
		if !listed[target] {
			t.Errorf("make help does not list %q (give its rule a ## description)", target)
		}
	}
}
