// Command dashboard writes the stack's CloudWatch dashboard into
// template.yaml. The definition lives in internal/dev/dashboard; this file
// only wires it.
//
//	dashboard gen   rewrite the generated block of template.yaml (make dashboard-gen)
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: dashboard gen")
	}
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	switch args[0] {
	case "gen":
		return gen(root, out)
	default:
		return fmt.Errorf("unknown command %q (gen)", args[0])
	}
}

func gen(root string, out io.Writer) error {
	d, err := dashboard.Load(root)
	if err != nil {
		return err
	}
	path := filepath.Join(root, dashboard.TemplateFile)
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := dashboard.Splice(old, d)
	if err != nil {
		return err
	}
	if string(updated) == string(old) {
		fmt.Fprintf(out, "%s: dashboard up to date (%d widgets)\n", dashboard.TemplateFile, len(d.Widgets))
		return nil
	}
	if err := os.WriteFile(path, updated, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: dashboard rewritten (%d widgets)\n", dashboard.TemplateFile, len(d.Widgets))
	return nil
}
