// Package docs_test holds README.md and docs/*.md to the repository: every
// relative link and #anchor leads somewhere, every `make <target>` they name
// exists, and their shell examples against the local system answer what
// they say (examples_test.go).
package docs_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readPages parses every page of the documentation, and returns a reader
// that parses any other Markdown file of the repository on demand.
func readPages(t *testing.T, root string) ([]*page, func(string) (*page, error)) {
	t.Helper()
	files, err := docFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	cache := map[string]*page{}
	read := func(path string) (*page, error) {
		if p, ok := cache[path]; ok {
			return p, nil
		}
		p, err := readPage(root, path)
		if err != nil {
			return nil, err
		}
		cache[path] = p
		return p, nil
	}
	var pages []*page
	for _, f := range files {
		p, err := read(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	if len(pages) < 5 {
		t.Fatalf("found only %v: README.md and docs/*.md are expected", files)
	}
	return pages, read
}

func TestLinksLeadSomewhere(t *testing.T) {
	root := repoRoot(t)
	pages, read := readPages(t, root)
	checked := 0
	for _, p := range pages {
		checked += len(p.links())
		for _, problem := range brokenLinks(root, p, read) {
			t.Error(problem)
		}
	}
	if checked < 20 {
		t.Errorf("only %d links found: the parser no longer sees them", checked)
	}
}

// The checker itself: a missing file, a missing anchor, a link out of the
// repository and an anchor into a non-Markdown file are each reported; a
// heading's GitHub id (punctuation dropped, repeats numbered) is found.
func TestBrokenLinksAreReported(t *testing.T) {
	root := repoRoot(t)
	src := []byte("# A title: with `code` & more\n\n## Repeat\n\n## Repeat\n\n" +
		"[ok](#a-title-with-code--more) [ok2](#repeat-1) [ok3](README.md#two-commands) [dir](docs)\n\n" +
		"| a | b |\n| --- | --- |\n| [in a table](no-such-file.md) | x |\n\n" +
		"[gone](#repeat-2) [out](../outside.md) [nofile](docs/nothing.md#x) [notmd](go.mod#x) [anchor](README.md#no-such)\n")
	p := parse("page.md", src)
	read := func(path string) (*page, error) { return readPage(root, path) }
	problems := brokenLinks(root, p, read)
	for _, want := range []string{`"no-such-file.md"`, `"#repeat-2"`, `"../outside.md"`, `"docs/nothing.md#x"`, `"go.mod#x"`, `"README.md#no-such"`} {
		found := false
		for _, got := range problems {
			found = found || strings.Contains(got, want)
		}
		if !found {
			t.Errorf("%s is not reported; got %q", want, problems)
		}
	}
	if len(problems) != 6 {
		t.Errorf("want exactly the 6 broken links reported, got %d: %q", len(problems), problems)
	}
}

// makeHelpTargets lists the targets `make help` prints (scripts'
// TestMakeHelpListsEveryTarget holds it to every rule of the makefiles).
func makeHelpTargets(t *testing.T, root string) map[string]bool {
	t.Helper()
	cmd := exec.Command("make", "-s", "--no-print-directory", "help")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	targets := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			targets[f[0]] = true
		}
	}
	if len(targets) < 10 {
		t.Fatalf("make help listed only %v", targets)
	}
	return targets
}

func TestMakeTargetsExist(t *testing.T) {
	root := repoRoot(t)
	pages, _ := readPages(t, root)
	exist := makeHelpTargets(t, root)
	named := 0
	for _, p := range pages {
		for target, line := range p.makeTargets() {
			named++
			if !exist[target] {
				t.Errorf("%s:%d: `make %s`: no such target (make help lists the targets)", p.path, line, target)
			}
		}
	}
	if named < 10 {
		t.Errorf("only %d make targets found in the docs: the extraction no longer sees them", named)
	}
}

// The extraction: targets in code spans and code blocks, variables and
// flags skipped, prose after a command and shell comments left alone.
func TestMakeTargetsAreFound(t *testing.T) {
	src := []byte("Run `make run API_PORT=3001` or `make -s lint`, not make believe.\n\n" +
		"```sh\nmake reconcile ENV=dev RECONCILE_FLAGS='-dry-run'   # then make it so\ncd x && make bench-cpu bench-size\n```\n")
	got := sortedKeys(func() map[string]bool {
		m := map[string]bool{}
		for k := range parse("p.md", src).makeTargets() {
			m[k] = true
		}
		return m
	}())
	want := []string{"bench-cpu", "bench-size", "lint", "reconcile", "run"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("targets = %v, want %v", got, want)
	}
}
