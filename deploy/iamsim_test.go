package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// namedPolicy is an IAM policy document and the name the simulator reports
// it by.
type namedPolicy struct {
	Name   string `json:"name"`
	Policy any    `json:"policy"`
}

// simCase is one IAM request and the decision it must get.
type simCase struct {
	Name                 string         `json:"name"`
	Principal            string         `json:"principal"`
	Action               string         `json:"action"`
	Resource             string         `json:"resource"`
	AccountID            string         `json:"accountId"`
	Context              map[string]any `json:"context,omitempty"`
	IdentityPolicies     []namedPolicy  `json:"identityPolicies"`
	PermissionBoundaries []namedPolicy  `json:"permissionBoundaries,omitempty"`
	ResourcePolicy       any            `json:"resourcePolicy,omitempty"`
	// UnvalidatedBecause says why the simulator's data cannot check this
	// request's action, resource and context keys (simulate.mjs evaluates
	// it with the same engine, every policy still validated).
	UnvalidatedBecause string `json:"unvalidatedBecause,omitempty"`

	Allow bool `json:"-"` // true: must be Allowed; false: must be denied
}

type simResult struct {
	Name               string          `json:"name"`
	Decision           string          `json:"decision"`
	IgnoredContextKeys []string        `json:"ignoredContextKeys"`
	Errors             json.RawMessage `json:"errors"`
}

// iamsimDir holds the evaluator: deploy/iamsim (package.json, its lockfile
// and simulate.mjs); `make iamsim` (part of make test) installs its
// node_modules with npm ci.
const iamsimDir = "deploy/iamsim"

// simulate evaluates every case with @cloud-copilot/iam-simulate (through
// deploy/iamsim/simulate.mjs) and returns the results by case name. A
// missing Node.js or package fails the test, saying how to get it.
func simulate(t *testing.T, cases []simCase) map[string]simResult {
	t.Helper()
	root := repoRoot(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install Node.js 20 or newer with npm (e.g. apt-get install nodejs npm), then run make iamsim")
	}
	pkg := filepath.Join(root, iamsimDir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		t.Fatalf("the IAM policy simulator is not installed (%v): run make iamsim (npm ci in %s)", err, iamsimDir)
	}
	in, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(root, iamsimDir, "simulate.mjs"))
	cmd.Dir = filepath.Join(root, iamsimDir)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("simulate.mjs: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Results []simResult `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("simulate.mjs printed invalid JSON: %v", err)
	}
	if len(out.Results) != len(cases) {
		t.Fatalf("simulate.mjs answered %d of %d cases", len(out.Results), len(cases))
	}
	results := map[string]simResult{}
	for _, r := range out.Results {
		if _, dup := results[r.Name]; dup {
			t.Fatalf("two cases named %q", r.Name)
		}
		results[r.Name] = r
	}
	return results
}

// checkCases evaluates cases and fails for every decision that is not the
// one wanted, every input the simulator refused, and every context key it
// ignored (a case built on a key the action does not take proves nothing).
// It returns how many cases were allowed and denied.
func checkCases(t *testing.T, cases []simCase) (allowed, denied int) {
	t.Helper()
	results := simulate(t, cases)
	for _, c := range cases {
		r := results[c.Name]
		switch {
		case r.Decision == "Error":
			t.Errorf("%s: the simulator refused the case: %s", c.Name, r.Errors)
			continue
		case len(r.IgnoredContextKeys) > 0:
			t.Errorf("%s: the simulator ignored context keys %v (not taken by %s on %s)", c.Name, r.IgnoredContextKeys, c.Action, c.Resource)
			continue
		}
		got := r.Decision == "Allowed"
		if got != c.Allow {
			want := "denied"
			if c.Allow {
				want = "allowed"
			}
			t.Errorf("%s: %s %s on %s is %s, want %s", c.Name, c.Principal, c.Action, c.Resource, r.Decision, want)
		}
		if got {
			allowed++
		} else {
			denied++
		}
	}
	return allowed, denied
}
