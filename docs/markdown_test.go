package docs_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// page is one Markdown file of the documentation, parsed.
type page struct {
	path    string // relative to the repository root, slash-separated
	src     []byte
	doc     ast.Node
	anchors map[string]bool // GitHub's heading ids
}

// docFiles are the pages the tests read: the front page and docs/*.md.
func docFiles(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	rel := []string{"README.md"}
	for _, f := range files {
		rel = append(rel, "docs/"+filepath.Base(f))
	}
	return rel, nil
}

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

func parse(path string, src []byte) *page {
	p := &page{path: path, src: src, doc: markdown.Parser().Parse(text.NewReader(src)), anchors: map[string]bool{}}
	seen := map[string]int{}
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			p.anchors[uniqueSlug(slug(plainText(h, src)), seen)] = true
		}
		return ast.WalkContinue, nil
	})
	return p
}

func readPage(root, path string) (*page, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		return nil, err
	}
	return parse(path, src), nil
}

// plainText is the text of an inline container as GitHub renders it
// (code spans without their backticks, links by their text).
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// slug is GitHub's id for a heading (github-slugger): lower case, every
// character that is not a letter, a digit, a mark, '-' or '_' dropped,
// spaces turned into '-'.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// uniqueSlug numbers a repeated slug as GitHub does: x, x-1, x-2, ...
func uniqueSlug(s string, seen map[string]int) string {
	n, ok := seen[s]
	seen[s] = n + 1
	if !ok {
		return s
	}
	return fmt.Sprintf("%s-%d", s, n)
}

// link is one link or image of a page.
type link struct {
	dest string
	line int
}

func lineOf(src []byte, offset int) int { return bytes.Count(src[:offset], []byte("\n")) + 1 }

// links lists the destinations of the page's links and images, with the
// line of the text around them.
func (p *page) links() []link {
	var out []link
	p.walk(func(n ast.Node, line int) {
		switch n := n.(type) {
		case *ast.Link:
			out = append(out, link{string(n.Destination), line})
		case *ast.Image:
			out = append(out, link{string(n.Destination), line})
		}
	})
	return out
}

// walk calls visit for every node of the page, with the line of the block
// it is in.
func (p *page) walk(visit func(n ast.Node, line int)) {
	line := 1
	_ = ast.Walk(p.doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			line = lineOf(p.src, n.Lines().At(0).Start)
		}
		visit(n, line)
		return ast.WalkContinue, nil
	})
}

// brokenLinks returns a message for each relative link of p whose file or
// #anchor does not exist; pages reads another page of the repository.
func brokenLinks(root string, p *page, pages func(path string) (*page, error)) []string {
	var problems []string
	for _, l := range p.links() {
		if regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`).MatchString(l.dest) {
			continue // https:, mailto:: not ours to check offline
		}
		target, fragment, _ := strings.Cut(l.dest, "#")
		targetPath := p.path
		if target != "" {
			targetPath = filepath.ToSlash(filepath.Join(filepath.Dir(p.path), target))
			if strings.HasPrefix(targetPath, "../") || filepath.IsAbs(target) {
				problems = append(problems, fmt.Sprintf("%s:%d: %q leaves the repository", p.path, l.line, l.dest))
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(targetPath))); err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d: %q: no such file or directory %s", p.path, l.line, l.dest, targetPath))
				continue
			}
		}
		if fragment == "" {
			continue
		}
		if !strings.HasSuffix(targetPath, ".md") {
			problems = append(problems, fmt.Sprintf("%s:%d: %q: an anchor into a file that is not Markdown", p.path, l.line, l.dest))
			continue
		}
		tp, err := p, error(nil)
		if target != "" {
			tp, err = pages(targetPath)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %q: %v", p.path, l.line, l.dest, err))
			continue
		}
		if !tp.anchors[fragment] {
			problems = append(problems, fmt.Sprintf("%s:%d: %q: %s has no heading with id %q (it has %v)",
				p.path, l.line, l.dest, targetPath, fragment, sortedKeys(tp.anchors)))
		}
	}
	return problems
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// makeCommand matches a make command line, capturing its arguments.
var makeCommand = regexp.MustCompile(`(?:^|[\s;&|(])make\s+([^\n#;&|)]*)`)

// makeTargets lists the make targets the page names in code: code spans
// and the lines of code blocks that run `make <target> [VAR=value...]`.
func (p *page) makeTargets() map[string]int {
	targets := map[string]int{}
	add := func(code string, line int) {
		for _, m := range makeCommand.FindAllStringSubmatch(code, -1) {
			for _, arg := range strings.Fields(m[1]) {
				if strings.HasPrefix(arg, "-") || strings.Contains(arg, "=") {
					continue // a flag or a variable
				}
				if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`).MatchString(arg) {
					break // prose after the command, not a target
				}
				if _, ok := targets[arg]; !ok {
					targets[arg] = line
				}
			}
		}
	}
	p.walk(func(n ast.Node, line int) {
		switch n := n.(type) {
		case *ast.CodeSpan:
			if code := plainText(n, p.src); strings.HasPrefix(code, "make ") {
				add(code, line)
			}
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			for i := range lines.Len() {
				seg := lines.At(i)
				add(stripShellComment(string(seg.Value(p.src))), lineOf(p.src, seg.Start))
			}
		}
	})
	return targets
}

// stripShellComment cuts a shell comment off a line of code: from a '#'
// that starts the line or follows a blank.
func stripShellComment(line string) string {
	for i, c := range line {
		if c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}
