// Command dashboard writes the stack's CloudWatch dashboard into
// template.yaml and draws docs/operate.md's picture of it from the local
// system's logs. The definition lives in internal/dev/dashboard; this file
// only wires it.
//
//	dashboard gen                 rewrite the generated block of template.yaml (make dashboard-gen)
//	dashboard picture -logs DIR   aggregate the function and gateway logs in DIR and write a PNG (make dashboard)
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/picture"
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
		return errors.New("usage: dashboard gen | dashboard picture -logs DIR [-out FILE]")
	}
	root, err := stack.FindRoot()
	if err != nil {
		return err
	}
	switch args[0] {
	case "gen":
		return gen(root, out)
	case "picture":
		fs := flag.NewFlagSet("picture", flag.ContinueOnError)
		logs := fs.String("logs", filepath.Join(root, "bin", "local", "logs"), "directory of *.log files (make run's, or make load's)")
		file := fs.String("out", filepath.Join(root, "docs", "dashboard.png"), "PNG to write")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return draw(root, *logs, *file, out)
	default:
		return fmt.Errorf("unknown command %q (gen or picture)", args[0])
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

func draw(root, logs, file string, out io.Writer) error {
	d, err := dashboard.Load(root)
	if err != nil {
		return err
	}
	data, err := logmetrics.ReadDir(logs)
	if err != nil {
		return err
	}
	if data.Lines == 0 {
		return fmt.Errorf("no function or gateway log lines in %s: run make load (or make run and send requests) first", logs)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := picture.Render(f, d, data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d log lines of %s drawn\n", file, data.Lines, logs)
	return nil
}
