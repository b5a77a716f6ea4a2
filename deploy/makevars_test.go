package deploy

import (
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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

// stubScript stands in for go (and for what it builds, sam, docker,
// govulncheck): it appends a record of its call to $STUB_LOG (\x01, then
// GOARCH, its own path and each argument, NUL-terminated), and copies
// itself to what follows -o, so that a recipe running the program it
// built runs the stub again.
const stubScript = `#!/usr/bin/env bash
{ printf '\001GOARCH=%s\0' "${GOARCH-}"; printf '%s\0' "$0" "$@"; } >> "$STUB_LOG"
prev=
for a in "$@"; do
	if [ "$prev" = -o ]; then mkdir -p -- "$(dirname -- "$a")" && cp -- "$0" "$a" || exit 1; fi
	prev=$a
done
`

// stubCall is one recorded call: GOARCH, the program's path, its arguments.
type stubCall struct {
	goarch, prog string
	args         []string
}

func (c stubCall) has(seq ...string) bool {
	for i := 0; i+len(seq) <= len(c.args); i++ {
		if slices.Equal(c.args[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

func readStubLog(t *testing.T, path string) []stubCall {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var calls []stubCall
	for _, rec := range strings.Split(string(b), "\x01")[1:] {
		f := strings.Split(strings.TrimSuffix(rec, "\x00"), "\x00")
		calls = append(calls, stubCall{goarch: strings.TrimPrefix(f[0], "GOARCH="), prog: f[1], args: f[2:]})
	}
	return calls
}

// TestMakeTakesDirectoriesAndToolsAsText: the directories, tool commands
// and flag lists a make command line (or sam build's ARTIFACTS_DIR in the
// environment) can set reach the recipes as text. go is a stub that records
// its calls, so each target really runs under the shell, cheaply; the
// value must reach the stub exactly as given, and the code in it must not
// run. A tool given as a hostile value is a command not found.
func TestMakeTakesDirectoriesAndToolsAsText(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed to test the make targets")
	}
	tmp := t.TempDir()
	canary := filepath.Join(tmp, "ran")
	stub := filepath.Join(tmp, "go-stub")
	if err := os.WriteFile(stub, []byte(stubScript), 0o755); err != nil {
		t.Fatal(err)
	}
	payloads := []string{
		"x$(touch " + canary + ")",
		"x`touch " + canary + "`",
		"x'; touch " + canary + "; '",
		`x"; touch ` + canary + `; #`,
		`x"; touch ` + canary + `; "`,
		"$(shell touch " + canary + ")",
		"x\ntouch " + canary,
		"with space",
	}
	// find reports whether a call satisfies ok.
	find := func(calls []stubCall, ok func(stubCall) bool) bool { return slices.ContainsFunc(calls, ok) }
	type run struct {
		args []string // make arguments
		env  []string // more environment
		ok   bool     // make must succeed (else: must fail)
		want func(t *testing.T, calls []stubCall, out string)
	}
	cases := []struct {
		name string
		// setup gets a fresh directory and the value; it returns the run.
		setup func(dir, p string) run
	}{
		{"build BIN_DIR", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"build", "BIN_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				for _, fn := range []string{"create-ticket", "webhook"} {
					if !find(calls, func(c stubCall) bool { return c.has("-o", v+"/"+fn+"/bootstrap", "./functions/"+fn) }) {
						t.Errorf("no go build -o %q: %q", v+"/"+fn+"/bootstrap", calls)
					}
				}
			}}
		}},
		{"build LAMBDA_GOARCH", func(dir, p string) run {
			return run{args: []string{"build", "BIN_DIR=" + dir, "LAMBDA_GOARCH=" + p}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if len(calls) != 2 || calls[0].goarch != p || calls[1].goarch != p {
					t.Errorf("go ran %q; want two builds with GOARCH=%q", calls, p)
				}
			}}
		}},
		{"build-WebhookFunction ARTIFACTS_DIR", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"build-WebhookFunction", "ARTIFACTS_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool {
					return c.goarch == "arm64" && c.has("-o", v+"/bootstrap", "./functions/webhook")
				}) {
					t.Errorf("no arm64 go build -o %q: %q", v+"/bootstrap", calls)
				}
			}}
		}},
		{"build-CreateTicketFunction ARTIFACTS_DIR from sam build's environment", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"build-CreateTicketFunction"}, env: []string{"ARTIFACTS_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool { return c.has("-o", v+"/bootstrap", "./functions/create-ticket") }) {
					t.Errorf("no go build -o %q: %q", v+"/bootstrap", calls)
				}
			}}
		}},
		{"vulncheck VULN_BIN_DIR", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"vulncheck", "VULN_BIN_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				for _, fn := range []string{"create-ticket", "webhook"} {
					bin := v + "/" + fn + "/bootstrap"
					if !find(calls, func(c stubCall) bool { return c.has("-o", bin) }) ||
						!find(calls, func(c stubCall) bool { return c.has("-mode=binary", bin) }) {
						t.Errorf("%q not built and checked: %q", bin, calls)
					}
				}
			}}
		}},
		{"smoke BIN_DIR", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"smoke", "BIN_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool { return c.prog == v+"/smoke" && c.has("-local") }) {
					t.Errorf("%q did not run: %q", v+"/smoke", calls)
				}
			}}
		}},
		{"smoke STACK_PREFIX", func(dir, p string) run {
			return run{args: []string{"smoke", "ENV=dev", "BIN_DIR=" + dir, "STACK_PREFIX=" + p}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool { return c.prog == dir+"/smoke" && c.has("-stack", p+"-dev") }) {
					t.Errorf("smoke not run with -stack %q: %q", p+"-dev", calls)
				}
			}}
		}},
		{"sandbox LOCAL_BIN_DIR", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"sandbox", "LOCAL_BIN_DIR=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool { return c.prog == v+"/periskope-local" && c.has("-sandbox-only") }) {
					t.Errorf("%q did not run: %q", v+"/periskope-local", calls)
				}
			}}
		}},
		{"sam-invoke LOCAL_BIN_DIR SAM DOCKER", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"sam-invoke", "LOCAL_BIN_DIR=" + v, "SAM=" + p, "DOCKER=" + p + "2"}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if !find(calls, func(c stubCall) bool {
					return c.prog == v+"/saminvoke" && c.has("-sam", p, "-docker", p+"2")
				}) {
					t.Errorf("saminvoke not run with -sam %q -docker %q: %q", p, p+"2", calls)
				}
			}}
		}},
		{"test TEST_FLAGS GO_PACKAGES", func(dir, p string) run {
			// Only the test recipe: its prerequisites are taken as done.
			args := []string{"-o", "tools", "-o", "iamsim", "-o", "tidy-check", "-o", "lint", "-o", "workflow-check",
				"-o", "template-check", "test", "TEST_FLAGS=-count=1 " + p, "GO_PACKAGES=" + p + " ./pkg/..."}
			return run{args: args, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				// A list of flags is split at blanks, and nothing else.
				want := append(append([]string{"test", "-count=1"}, strings.Fields(p)...), append(strings.Fields(p), "./pkg/...")...)
				if len(calls) != 1 || !slices.Equal(calls[0].args, want) {
					t.Errorf("go ran %q, want go %q", calls, want)
				}
			}}
		}},
		{"bench-size BENCH_RESULTS", func(dir, p string) run {
			v := filepath.Join(dir, p)
			return run{args: []string{"bench-size", "BENCH_RESULTS=" + v}, ok: true, want: func(t *testing.T, calls []stubCall, _ string) {
				if _, err := os.Stat(filepath.Join(v, "size.md")); err != nil || !find(calls, func(c stubCall) bool { return c.has("run", "./bench/size") }) {
					t.Errorf("no %q written (%v) or go not run: %q", filepath.Join(v, "size.md"), err, calls)
				}
			}}
		}},
		{"events GO", func(dir, p string) run {
			return run{args: []string{"events", "GO=" + p}, want: func(t *testing.T, _ []stubCall, out string) {
				if !strings.Contains(out, "events: '"+p+"' not found") {
					t.Errorf("make events printed\n%s\nwant %q not found", out, p)
				}
			}}
		}},
		{"env-file AWS", func(dir, p string) run {
			return run{args: []string{"env-file", "ENV=dev", "ENV_FILE=" + filepath.Join(dir, "env.json"), "AWS=" + p},
				want: func(t *testing.T, _ []stubCall, out string) {
					if !strings.Contains(out, "env-file: '"+p+"' not found") {
						t.Errorf("make env-file printed\n%s\nwant %q not found", out, p)
					}
				}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i, p := range payloads {
				dir := filepath.Join(t.TempDir(), "d"+strconv.Itoa(i))
				r := c.setup(dir, p)
				log := filepath.Join(t.TempDir(), "stub.log")
				args := append([]string{"-s", "--no-print-directory", "GO=" + stub}, r.args...)
				cmd := exec.Command("make", args...)
				cmd.Dir = repoRoot(t)
				cmd.Env = append(withoutMakeVars(os.Environ()), append(r.env, "STUB_LOG="+log)...)
				out, err := cmd.CombinedOutput()
				if _, statErr := os.Stat(canary); statErr == nil {
					t.Fatalf("make %q ran the code in its value: %s exists\n%s", args, canary, out)
				}
				if r.ok && err != nil {
					t.Errorf("make %q: %v\n%s", args, err, out)
				} else if !r.ok && err == nil {
					t.Errorf("make %q succeeded; want it refused\n%s", args, out)
				}
				r.want(t, readStubLog(t, log), string(out))
			}
		})
	}
}

// withoutMakeVars drops from env what would change the targets: a make
// running this test exports its variables (BIN_DIR, GO, …).
func withoutMakeVars(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "GO", "BIN_DIR", "LOCAL_BIN_DIR", "VULN_BIN_DIR", "ARTIFACTS_DIR",
			"LAMBDA_GOARCH", "STACK_PREFIX", "SAM", "DOCKER", "AWS", "TEST_FLAGS", "GO_PACKAGES", "BENCH_RESULTS", "ENV":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// TestMakeDryRunShowsNoValue: every variable the makefiles define, set on
// the command line, stays out of every recipe's shell text: `make -n`
// prints "$BIN_DIR", never the value. What a recipe still takes from make
// is a constant the command line cannot change (override). Each target of
// make help is printed with and without ENV (a command-line ENV selects a
// deployed stack).
func TestMakeDryRunShowsNoValue(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed to test the make targets")
	}
	root := repoRoot(t)
	makeOut := func(args ...string) string {
		cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
		cmd.Dir = root
		cmd.Env = withoutMakeVars(os.Environ())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The variables defined in the makefiles, from make's own database.
	var names []string
	lines := strings.Split(makeOut("-p", "-n", "help"), "\n")
	for i, line := range lines[:len(lines)-1] {
		if !strings.HasPrefix(line, "# makefile (from ") && !strings.HasPrefix(line, "# 'override' directive (from ") {
			continue
		}
		next := strings.TrimPrefix(lines[i+1], "define ")
		name := strings.FieldsFunc(next, func(r rune) bool { return r == ' ' || r == ':' || r == '=' || r == '?' })
		switch {
		case len(name) == 0, strings.HasPrefix(name[0], "."), name[0] == "SHELL", name[0] == "PATH":
		case name[0] == "OPERATOR_VARS":
			// and those only referenced (ID, ARTIFACTS_DIR, …)
			_, list, _ := strings.Cut(next, ":=")
			names = append(names, strings.Fields(list)...)
			fallthrough
		default:
			names = append(names, name[0])
		}
	}
	names = append(names, "ARTIFACTS_DIR") // sam build sets it; no makefile does
	slices.Sort(names)
	names = slices.Compact(names)
	for _, want := range []string{"BIN_DIR", "STACK_PREFIX", "GO", "LOCAL_BIN_DIR", "require-go", "lambda-build"} {
		if !slices.Contains(names, want) {
			t.Fatalf("make's database lists %q, not %s: the parsing no longer matches make -p", names, want)
		}
	}
	var sets []string
	for _, n := range names {
		sets = append(sets, n+"=SPLICED-"+n)
	}
	withoutEnv := slices.DeleteFunc(slices.Clone(sets), func(s string) bool { return strings.HasPrefix(s, "ENV=") })
	targets := slices.Sorted(maps.Keys(helpTargets(t, makeOut("-s", "help"))))
	if len(targets) < 20 {
		t.Fatalf("make help lists only %q", targets)
	}
	for _, target := range targets {
		for _, vars := range [][]string{sets, withoutEnv} {
			if out := makeOut(append([]string{"-n", target}, vars...)...); strings.Contains(out, "SPLICED") {
				t.Errorf("make -n %s puts a command-line value into its shell text:\n%s", target, out)
			}
		}
	}
}

// helpTargets: the first word of each line of make help.
func helpTargets(t *testing.T, help string) map[string]bool {
	t.Helper()
	targets := map[string]bool{}
	for _, line := range strings.Split(help, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			targets[f[0]] = true
		}
	}
	return targets
}
