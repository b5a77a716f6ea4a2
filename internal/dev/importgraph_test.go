// Package dev_test guards the line between the product and the local
// development harness under internal/dev (and the ops tools' packages under
// internal/ops).
package dev_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/periskope-connect/periskope-aws"

// productRoots are the packages that are built into or published with the
// product: the two functions, the public library and everything they share.
var productRoots = []string{module + "/functions/...", module + "/pkg/..."}

// TestProductNeverImportsTheHarness fails when a package that ships (a
// function's main, pkg/..., or anything they import, tests excluded) depends
// on internal/dev: the local stand-ins must never reach a deployed binary.
func TestProductNeverImportsTheHarness(t *testing.T) {
	args := append([]string{"list", "-deps", "-json=ImportPath,Standard"}, productRoots...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Standard   bool
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if p.Standard || !strings.HasPrefix(p.ImportPath, module+"/") {
			continue
		}
		seen++
		if strings.HasPrefix(p.ImportPath, module+"/internal/dev") {
			t.Errorf("%s is a dependency of the product; the local harness must stay out of it", p.ImportPath)
		}
		if strings.HasPrefix(p.ImportPath, module+"/internal/ops") {
			t.Errorf("%s is a dependency of the product; the ops tools must stay out of it", p.ImportPath)
		}
	}
	// The functions alone pull in several of the module's packages; a much
	// smaller count means go list did not see what this test thinks it did.
	if seen < 5 {
		t.Fatalf("go list saw %d of the module's packages among the product's dependencies; expected at least 5", seen)
	}
}
