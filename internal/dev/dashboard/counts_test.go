package dashboard_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
)

const module = "github.com/periskope-connect/periskope-aws"

// parseDirs parses the non-test Go files under root's functions/, internal/
// (internal/dev excepted) and pkg/, by package directory.
func parseDirs(t *testing.T) map[string][]*ast.File {
	t.Helper()
	pkgs := map[string][]*ast.File{}
	fset := token.NewFileSet()
	for _, top := range []string{"functions", "internal", "pkg"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(root, path)
			switch {
			case err != nil:
				return err
			case d.IsDir() && (rel == filepath.Join("internal", "dev") || d.Name() == "testdata"):
				return filepath.SkipDir
			case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			dir := filepath.ToSlash(filepath.Dir(rel))
			pkgs[dir] = append(pkgs[dir], f)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return pkgs
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

var metricConst = regexp.MustCompile(`^[Mm]etric[A-Z]`)

// countedNames reads what a package counts: its string constants named
// Metric... that its code uses beyond their declaration, and the literals
// it passes straight to a Count method.
func countedNames(files []*ast.File) []string {
	consts := map[string]string{}
	uses := map[string]int{}
	var names []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				uses[n.Name]++
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if i < len(n.Values) && metricConst.MatchString(id.Name) {
						if s, ok := stringLit(n.Values[i]); ok {
							consts[id.Name] = s
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Count" && len(n.Args) == 2 {
					if s, ok := stringLit(n.Args[0]); ok {
						names = append(names, s)
					}
				}
			}
			return true
		})
	}
	for id, s := range consts {
		if uses[id] > 1 {
			names = append(names, s)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Counts lists exactly what the product's code counts, package by package:
// a metric added to the code, or one the code no longer uses, fails here.
func TestCountsAreWhatTheCodeCounts(t *testing.T) {
	listed := map[string][]string{}
	for _, c := range dashboard.Counts {
		if _, twice := listed[c.Package]; twice {
			t.Errorf("Counts lists %s twice: one widget per package", c.Package)
		}
		listed[c.Package] = slices.Sorted(slices.Values(c.Names))
	}
	found := map[string][]string{}
	for dir, files := range parseDirs(t) {
		if names := countedNames(files); len(names) > 0 {
			found[dir] = names
		}
	}
	if len(found) == 0 {
		t.Fatal("found no metric in the code")
	}
	for dir, names := range found {
		if !slices.Equal(listed[dir], names) {
			t.Errorf("%s counts %v; dashboard.Counts lists %v", dir, names, listed[dir])
		}
	}
	for dir := range listed {
		if _, ok := found[dir]; !ok {
			t.Errorf("dashboard.Counts lists %s, which counts nothing", dir)
		}
	}
}

// Functions are the template's functions, each with the name its main
// gives emf.New, and each package of Counts is charted for exactly the
// functions whose binary links it.
func TestFunctionsAreTheTemplates(t *testing.T) {
	d, err := deployment.LoadFromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	specs, err := stack.Specs(d)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := parseDirs(t)
	if len(specs) != len(dashboard.Functions) {
		t.Fatalf("template functions %+v, dashboard.Functions %+v", specs, dashboard.Functions)
	}
	for i, spec := range specs {
		fn := dashboard.Functions[i]
		var emfName string
		for _, f := range pkgs[strings.TrimPrefix(spec.Package, "./")] {
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && len(call.Args) == 2 {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "New" && identName(sel.X) == "emf" {
						emfName, _ = stringLit(call.Args[1])
					}
				}
				return true
			})
		}
		if fn.ID != spec.Name || fn.EMF != emfName {
			t.Errorf("dashboard.Functions[%d] = %+v, want {%s %s} (%s's emf.New)", i, fn, spec.Name, emfName, spec.Package)
		}
		cmd := exec.Command("go", "list", "-deps", spec.Package)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", spec.Package, err)
		}
		deps := strings.Fields(string(out))
		for _, c := range dashboard.Counts {
			if links := slices.Contains(deps, module+"/"+c.Package); links != slices.Contains(c.Functions, emfName) {
				t.Errorf("%s links %s: %v, but Counts charts it for %v", spec.Name, c.Package, links, c.Functions)
			}
		}
	}
}

// identName is the name of an identifier, or "".
func identName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
