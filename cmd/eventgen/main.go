// Command eventgen writes the sample API Gateway events under events/ from
// the specs in cmd/eventgen/spec, so that they never go stale: bodies come
// from fixture files, signatures are computed with the documented local
// signing key, and lengths and encodings always match the body.
//
// Usage, from the repository root (make events):
//
//	go run ./cmd/eventgen            # (re)write the events
//	go run ./cmd/eventgen -check     # fail if a committed event is stale
//
// Each spec/*.json file lists the events of one area ({"events": [...]}; see
// EventSpec for the members). Add an area's events by adding its own file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

func main() {
	specDir := flag.String("spec", "cmd/eventgen/spec", "directory of the *.json event specs")
	root := flag.String("root", ".", "repository root the events' paths are relative to")
	check := flag.Bool("check", false, "write nothing; exit 1 if any event differs from what would be written")
	flag.Parse()
	if err := run(*specDir, *root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "eventgen:", err)
		os.Exit(1)
	}
}

func run(specDir, root string, check bool) error {
	specs, err := LoadSpecs(specDir)
	if err != nil {
		return err
	}
	events, err := Generate(specs)
	if err != nil {
		return err
	}
	stale, err := Stale(root, events)
	if err != nil {
		return err
	}
	if check {
		if len(stale) > 0 {
			return fmt.Errorf("stale events (run `make events`): %v", stale)
		}
		return nil
	}
	for _, name := range stale {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, events[name], 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", name)
	}
	return nil
}

// Stale returns, sorted, the names of events whose file under root is
// missing or differs from the generated content.
func Stale(root string, events map[string][]byte) ([]string, error) {
	var stale []string
	for name, want := range events {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		if !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale, nil
}
