package deploy

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/periskope-connect/periskope-aws"

// runMake runs a target of the root Makefile (the one `sam build` uses) with
// extra environment variables, failing the test with make's output.
func runMake(t *testing.T, env []string, args ...string) {
	t.Helper()
	makePath, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make not found: install GNU make (apt-get install make): %v", err)
	}
	cmd := exec.Command(makePath, append([]string{"--no-print-directory", "-C", repoRoot(t)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestSAMBuildTargets runs build-<LogicalId> the way `sam build` does (from
// the repository root, ARTIFACTS_DIR in the environment) and checks the
// bootstrap it leaves there.
func TestSAMBuildTargets(t *testing.T) {
	for _, f := range functions {
		t.Run(f.id, func(t *testing.T) {
			// A directory with a space in its name: the recipe quotes it.
			artifacts := filepath.Join(t.TempDir(), ".aws-sam build", f.id)
			if err := os.MkdirAll(artifacts, 0o755); err != nil {
				t.Fatal(err)
			}
			// GOFLAGS as a user's default: VCS stamping on wherever git is.
			runMake(t, []string{"ARTIFACTS_DIR=" + artifacts, "GOFLAGS=-buildvcs=auto"}, "build-"+f.id)
			checkBootstrap(t, filepath.Join(artifacts, "bootstrap"), f.pkg)
		})
	}
}

// TestSAMBuildTargetsAreReproducible: a commit id or time stamped into the
// bootstrap would change it on every commit, and sam deploy would upload
// both functions again although no Go code changed. checkBootstrap sees no
// vcs.* setting in what was built; this sees the flag that guarantees it in
// a clone, where git is always there (make -n prints the recipe).
func TestSAMBuildTargetsAreReproducible(t *testing.T) {
	for _, f := range functions {
		cmd := exec.Command("make", "--no-print-directory", "-n", "-C", repoRoot(t), "build-"+f.id, "ARTIFACTS_DIR=/nonexistent")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n build-%s: %v\n%s", f.id, err, out)
		}
		if !strings.Contains(string(out), " -buildvcs=false ") {
			t.Errorf("build-%s does not build with -buildvcs=false:\n%s", f.id, out)
		}
	}
}

// TestMakeBuild checks `make build` puts both bootstraps under BIN_DIR/<fn>/.
func TestMakeBuild(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin dir")
	runMake(t, nil, "build", "BIN_DIR="+bin)
	for _, f := range functions {
		checkBootstrap(t, filepath.Join(bin, filepath.Base(f.pkg), "bootstrap"), f.pkg)
	}
}

// checkBootstrap asserts path is what provided.al2023 on arm64 runs: a static
// aarch64 Linux executable (no interpreter, no shared libraries), stripped,
// built from pkg with the flags the template's comments promise.
func checkBootstrap(t *testing.T, path, pkg string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no bootstrap: %v", err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("%s is not executable (mode %v)", path, info.Mode())
	}

	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is not an ELF file: %v", path, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_AARCH64 {
		t.Errorf("%s: %v %v, want ELFCLASS64 EM_AARCH64 (the functions run on arm64)", path, f.Class, f.Machine)
	}
	if f.Type != elf.ET_EXEC {
		t.Errorf("%s: ELF type %v, want ET_EXEC (a static, non-PIE executable)", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %v program header: dynamically linked, needs CGO_ENABLED=0", path, p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("%s has a .dynamic section", path)
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s imports shared libraries %v", path, libs)
	}
	// -ldflags="-s -w": no symbol table, no DWARF. (Go does not record
	// -ldflags in the build information when -trimpath is on, so the sections
	// are the evidence.)
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("%s has section %s: not stripped (-ldflags=\"-s -w\")", path, s.Name)
		}
	}

	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: no Go build information: %v", path, err)
	}
	// The Makefile builds with go.mod's toolchain (a patched Go release),
	// whatever Go runs this test.
	if want := goModToolchain(t); bi.GoVersion != want {
		t.Errorf("%s was built with %s, want go.mod's toolchain %s", path, bi.GoVersion, want)
	}
	if want := modulePath + "/" + pkg; bi.Path != want {
		t.Errorf("%s was built from %s, want %s", path, bi.Path, want)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	want := map[string]string{
		"GOOS":        "linux",
		"GOARCH":      "arm64",
		"CGO_ENABLED": "0",
		"-tags":       "lambda.norpc",
		"-trimpath":   "true",
	}
	for key, value := range want {
		if settings[key] != value {
			t.Errorf("%s build setting %s = %q, want %q", path, key, settings[key], value)
		}
	}
	for _, s := range bi.Settings {
		if strings.HasPrefix(s.Key, "vcs") {
			t.Errorf("%s has build setting %s=%s: built without -buildvcs=false, it changes with every commit", path, s.Key, s.Value)
		}
	}
	if !slices.ContainsFunc(bi.Deps, func(m *debug.Module) bool { return m.Path == "github.com/aws/aws-lambda-go" }) {
		t.Errorf("%s does not link github.com/aws/aws-lambda-go: not a Lambda handler", path)
	}
}
