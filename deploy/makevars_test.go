package deploy

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
)

// TestMakeRunsNothingItIsGiven: the values of make ticket ID=..., ORG=,
// CHAT=, LIMIT=, ENV=, FN= and the rest reach the recipes as text. Each is
// given shell and make code that would create a file; none may. Against
// the local moto, the lookups really run, and must see the value as typed.
func TestMakeRunsNothingItIsGiven(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed to test the make targets")
	}
	moto, _ := motoserver.StartWithTable(t, local.Table)
	u, err := url.Parse(moto.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	canary := filepath.Join(dir, "ran")
	payloads := []string{
		"x$(touch " + canary + ")",
		"x`touch " + canary + "`",
		"x'; touch " + canary + "; '",
		`x"; touch ` + canary + `; "`,
		"$(shell touch " + canary + ")",
		"x\ntouch " + canary,
	}
	cases := []struct {
		name string
		args func(p string) []string
		// seen, when set, must be in the output: the tool got the value.
		seen func(p string) string
	}{
		{"ticket ID", func(p string) []string { return []string{"ticket", "ID=" + p, "ORG=org-7"} },
			func(p string) string {
				if strings.Contains(p, "\n") {
					return "org and ticket id are printable text"
				}
				return "no such ticket: TICKET#org-7#" + p
			}},
		{"ticket ORG", func(p string) []string { return []string{"ticket", "ID=t-1", "ORG=" + p} }, nil},
		{"tickets CHAT", func(p string) []string { return []string{"tickets", "CHAT=" + p} },
			func(string) string { return "lookup: invalid argument: want a chat id" }},
		{"tickets LIMIT", func(p string) []string { return []string{"tickets", "CHAT=919537851844", "LIMIT=" + p} },
			func(string) string { return "invalid value" }},
		{"ticket ENV", func(p string) []string { return []string{"ticket", "ID=t-1", "ENV=" + p} },
			func(string) string { return "ENV must be dev, staging or prod" }},
		{"logs FN", func(p string) []string { return []string{"logs", "FN=" + p} },
			func(string) string { return "usage: make logs FN=" }},
		{"reconcile ENV", func(p string) []string { return []string{"reconcile", "ENV=" + p} },
			func(string) string { return "ENV must be dev, staging or prod" }},
		{"reconcile PERISKOPE_BASE_URL", func(p string) []string { return []string{"reconcile", "PERISKOPE_BASE_URL=" + p} },
			func(string) string { return "-base-url" }},
		{"env-file ENV", func(p string) []string {
			return []string{"env-file", "ENV=" + p, "ENV_FILE=" + filepath.Join(dir, "env.json")}
		},
			func(string) string { return "ENV must be local, dev, staging or prod" }},
		{"smoke ENV", func(p string) []string { return []string{"smoke", "ENV=" + p} },
			func(string) string { return "ENV must be dev, staging or prod" }},
		{"deploy ENV", func(p string) []string { return []string{"deploy", "ENV=" + p} },
			func(string) string { return "ENV must be dev, staging or prod" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range payloads {
				args := append([]string{"-s", "--no-print-directory", "MOTO_PORT=" + u.Port()}, c.args(p)...)
				cmd := exec.Command("make", args...)
				cmd.Dir = repoRoot(t)
				out, err := cmd.CombinedOutput()
				if _, statErr := os.Stat(canary); statErr == nil {
					t.Fatalf("make %q ran the code in its value: %s exists\n%s", args, canary, out)
				}
				if err == nil {
					t.Errorf("make %q succeeded; want it refused or not found\n%s", args, out)
				}
				if c.seen != nil && !strings.Contains(string(out), c.seen(p)) {
					t.Errorf("make %q printed\n%s\nwant %q", args, out, c.seen(p))
				}
			}
		})
	}
}

// Passing the values through the environment keeps their defaults: a
// recipe sees MOTO_PORT 5000, ENV dev (deploy.mk's) and no OPS_ENV when
// nothing is given.
func TestMakeExportsTheDefaults(t *testing.T) {
	cmd := exec.Command("make", "-s", "--no-print-directory", "--eval",
		`print-defaults: ; @printf '%s|%s|%s|%s|%s' "$$MOTO_PORT" "$$API_PORT" "$$ENV" "$$OPS_ENV" "$$BENCH_COUNT"`, "print-defaults")
	cmd.Dir = repoRoot(t)
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "ENV", "MOTO_PORT", "API_PORT", "BENCH_COUNT", "MAKEFLAGS":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got, want := string(out), "5000|3000|dev||10"; got != want {
		t.Errorf("a recipe sees %q, want %q", got, want)
	}
}
