// Command dashboard writes the stack's CloudWatch dashboard, defined in
// internal/dev/dashboard, into template.yaml (make dashboard-gen):
//
//	dashboard gen
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "gen" {
		return errors.New("usage: dashboard gen")
	}
	root, err := deployment.FindRoot()
	if err != nil {
		return err
	}
	d, err := dashboard.Load(root)
	if err != nil {
		return err
	}
	path := filepath.Join(root, deployment.Template)
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := dashboard.Splice(old, d)
	if err != nil {
		return err
	}
	state := "up to date"
	if !bytes.Equal(updated, old) {
		if err := os.WriteFile(path, updated, 0o644); err != nil {
			return err
		}
		state = "rewritten"
	}
	fmt.Fprintf(out, "%s: dashboard %s (%d widgets)\n", deployment.Template, state, len(d.Widgets))
	return nil
}
