package dashboard

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// ErrNoEmitter is returned when a function's main does not create its
// EMF recorder the way EmittedMetrics recognises (emf.New(w, "name")).
var ErrNoEmitter = errors.New("dashboard: no emf.New call")

// Emitted is a metric the product's code writes through internal/emf.
type Emitted struct {
	Name string
	// Package is the directory of the package that names it, relative to
	// the module root ("internal/webhook").
	Package string
	// Functions are the EMF Function values ("webhook") of the functions
	// whose binary links the package, in the order of the functions given.
	Functions []string
}

// metricConst matches the names the code gives its metric constants.
var metricConst = regexp.MustCompile(`^[Mm]etric[A-Z]`)

// EmittedMetrics reads the metric names the product emits from its Go
// source under root (test files and internal/dev excluded): string
// constants named Metric... that the package's code uses, and string
// literals passed straight to a Count method. mains gives each function's
// main package ("./functions/webhook"); its EMF Function value, returned in
// the same order, is read from its emf.New call. A metric belongs to every
// function whose main imports its package, directly or not.
func EmittedMetrics(root string, mains []string) ([]Emitted, []string, error) {
	pkgs, err := parseModule(root)
	if err != nil {
		return nil, nil, err
	}
	var out []Emitted
	var emfNames []string
	closures := make([]map[string]bool, len(mains))
	for i, main := range mains {
		dir := filepath.ToSlash(filepath.Clean(main))
		p, ok := pkgs[dir]
		if !ok {
			return nil, nil, fmt.Errorf("dashboard: main package %s not found under %s", main, root)
		}
		name, ok := emfFunctionName(p)
		if !ok {
			return nil, nil, fmt.Errorf("%w in %s", ErrNoEmitter, dir)
		}
		emfNames = append(emfNames, name)
		closures[i] = map[string]bool{}
		walkImports(pkgs, dir, closures[i])
	}
	for _, dir := range slices.Sorted(maps.Keys(pkgs)) {
		for _, name := range metricNames(pkgs[dir]) {
			e := Emitted{Name: name, Package: dir}
			for i := range mains {
				if closures[i][dir] {
					e.Functions = append(e.Functions, emfNames[i])
				}
			}
			if len(e.Functions) > 0 {
				out = append(out, e)
			}
		}
	}
	return out, emfNames, nil
}

// pkg is one parsed package: its non-test files.
type pkg struct {
	files   []*ast.File
	imports []string // module-relative directories
}

func parseModule(root string) (map[string]*pkg, error) {
	modPath, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	pkgs := map[string]*pkg{}
	fset := token.NewFileSet()
	for _, top := range []string{"functions", "internal", "pkg"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if rel == "internal/dev" || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			dir := filepath.ToSlash(filepath.Dir(rel))
			p := pkgs[dir]
			if p == nil {
				p = &pkg{}
				pkgs[dir] = p
			}
			p.files = append(p.files, f)
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if rest, ok := strings.CutPrefix(path, modPath+"/"); ok && !slices.Contains(p.imports, rest) {
					p.imports = append(p.imports, rest)
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return pkgs, nil
}

func modulePath(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	if path := modfile.ModulePath(data); path != "" {
		return path, nil
	}
	return "", fmt.Errorf("dashboard: no module line in %s/go.mod", root)
}

func walkImports(pkgs map[string]*pkg, dir string, seen map[string]bool) {
	if seen[dir] {
		return
	}
	seen[dir] = true
	if p := pkgs[dir]; p != nil {
		for _, imp := range p.imports {
			walkImports(pkgs, imp, seen)
		}
	}
}

// emfFunctionName finds the string literal given to emf.New in a main.
func emfFunctionName(p *pkg) (string, bool) {
	var name string
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 || !isSelector(call.Fun, "emf", "New") {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				name, _ = strconv.Unquote(lit.Value)
			}
			return true
		})
	}
	return name, name != ""
}

func isSelector(e ast.Expr, x, sel string) bool {
	s, ok := e.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != sel {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == x
}

// metricNames returns the package's emitted metric names in source order.
func metricNames(p *pkg) []string {
	consts := map[*ast.Ident]string{} // declaring identifier -> value
	var order []*ast.Ident
	var literals []string
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if !metricConst.MatchString(id.Name) || i >= len(n.Values) {
						continue
					}
					if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[id], _ = strconv.Unquote(lit.Value)
						order = append(order, id)
					}
				}
			case *ast.CallExpr:
				if len(n.Args) == 2 {
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Count" {
						if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							literals = append(literals, s)
						}
					}
				}
			}
			return true
		})
	}
	// An identifier counts as used when it appears beyond its declaration.
	uses := map[string]int{}
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				uses[id.Name]++
			}
			return true
		})
	}
	var names []string
	for _, id := range order {
		if uses[id.Name] > 1 && !slices.Contains(names, consts[id]) {
			names = append(names, consts[id])
		}
	}
	for _, s := range literals {
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	return names
}
