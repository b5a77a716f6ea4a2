package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles every function for the host's OS and architecture (the
// deployed ones are linux/arm64; these run here) into
// binDir/<Name>/bootstrap, with the tags of a Lambda build.
func Build(ctx context.Context, root, binDir string, out io.Writer) error {
	goTool, err := GoTool()
	if err != nil {
		return err
	}
	specs, err := Functions()
	if err != nil {
		return err
	}
	for _, spec := range specs {
		dst := BootstrapPath(binDir, spec.Name)
		cmd := exec.CommandContext(ctx, goTool, "build", "-tags", "lambda.norpc", "-o", dst, spec.Package)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s (%s) into %s: %w", spec.Name, spec.Package, dst, err)
		}
	}
	return nil
}

// GoTool finds the go command: on PATH, else under $GOROOT.
func GoTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p, err := exec.LookPath(filepath.Join(root, "bin", "go")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("the go command is not on PATH; install Go to build the functions")
}
