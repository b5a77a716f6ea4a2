package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/samenv"
)

// fakeAWS writes an executable standing in for the AWS CLI: it records its
// arguments in args.txt next to it, prints stdout and exits with code.
func fakeAWS(t *testing.T, stdout string, code int) (path, argsFile string) {
	t.Helper()
	dir := t.TempDir()
	path, argsFile = filepath.Join(dir, "aws"), filepath.Join(dir, "args.txt")
	out := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(out, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$@\" > '" + argsFile + "'\ncat '" + out + "'\nexit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, argsFile
}

// runEnvFile runs `make env-file ENV=dev` with the AWS CLI at aws, writing
// to a temporary file; it returns make's output, that file and make's error.
func runEnvFile(t *testing.T, aws string) (out, envFile string, err error) {
	t.Helper()
	envFile = filepath.Join(t.TempDir(), "dev.json")
	cmd := exec.Command("make", "--no-print-directory", "-C", repoRoot(t), "env-file", "ENV=dev", "ENV_FILE="+envFile, "AWS="+aws)
	b, err := cmd.CombinedOutput()
	return string(b), envFile, err
}

// make env-file ENV=dev: the file sam local reads, from the deployed stack's
// description (here a recorded one).
func TestEnvFileFromStack(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "dev", "samenv", "testdata", "describe-stacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	aws, argsFile := fakeAWS(t, string(doc), 0)
	out, envFile, err := runEnvFile(t, aws)
	if err != nil {
		t.Fatalf("make env-file: %v\n%s", err, out)
	}
	args, _ := os.ReadFile(argsFile)
	if got := strings.TrimSpace(string(args)); got != "cloudformation describe-stacks --stack-name periskope-bridge-dev --output json" {
		t.Errorf("aws called with %q", got)
	}
	want, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "dev", "samenv", "testdata", "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(envFile); !bytes.Equal(got, want) {
		t.Errorf("env file:\n%s\nwant:\n%s", got, want)
	}
}

// Without credentials (or without the AWS CLI) make env-file fails, says
// why, and writes nothing.
func TestEnvFileFailsClearly(t *testing.T) {
	noCredentials, _ := fakeAWS(t, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n", 2)
	for _, c := range []struct {
		aws  string
		want []string
	}{
		{noCredentials, []string{"cannot read the stack periskope-bridge-dev", "AWS credentials", "Unable to locate credentials"}},
		{filepath.Join(t.TempDir(), "no-aws-here"), []string{"not found: install the AWS CLI"}},
	} {
		out, envFile, err := runEnvFile(t, c.aws)
		if err == nil {
			t.Errorf("AWS=%s: make env-file succeeded:\n%s", c.aws, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("AWS=%s: output does not say %q:\n%s", c.aws, w, out)
			}
		}
		if _, err := os.Stat(envFile); !os.IsNotExist(err) {
			t.Errorf("AWS=%s: %s written anyway", c.aws, envFile)
		}
		if _, err := os.Stat(envFile + ".part"); !os.IsNotExist(err) {
			t.Errorf("AWS=%s: %s.part left behind", c.aws, envFile)
		}
	}
}

// The outputs samenv reads are template.yaml's: a rename fails here.
func TestEnvFileReadsTheTemplatesOutputs(t *testing.T) {
	s := expand(t)
	outputs := asMap(t, s.Translated["Outputs"], "Outputs")
	for _, name := range []string{samenv.OutputTable, samenv.OutputAPIKeySecret, samenv.OutputSigningKeySecret} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("template.yaml has no output %s (read by make env-file)", name)
		}
	}
	for _, name := range []string{samenv.ParameterBaseURL, samenv.ParameterPhone} {
		if _, ok := s.Parameters[name]; !ok {
			t.Errorf("template.yaml has no parameter %s (read by make env-file)", name)
		}
	}
}
