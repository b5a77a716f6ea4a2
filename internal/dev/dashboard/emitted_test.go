package dashboard_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

// The fixture module has two functions: alpha links internal/alpha and
// internal/shared, beta only internal/shared. Unused constants, test files
// and internal/dev are not metrics.
func TestEmittedMetrics(t *testing.T) {
	got, names, err := dashboard.EmittedMetrics("testdata/module", []string{"./functions/alpha", "./functions/beta"})
	if err != nil {
		t.Fatal(err)
	}
	want := []dashboard.Emitted{
		{Name: "Stored", Package: "internal/alpha", Functions: []string{"alpha"}},
		{Name: "Dropped", Package: "internal/alpha", Functions: []string{"alpha"}},
		{Name: "Literal", Package: "internal/alpha", Functions: []string{"alpha"}},
		{Name: "RefreshFailed", Package: "internal/shared", Functions: []string{"alpha", "beta"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EmittedMetrics =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(names, []string{"alpha", "beta"}) {
		t.Errorf("function names = %v, want [alpha beta]", names)
	}
}

func TestEmittedMetricsNeedsTheEMFCall(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/x\n")
	write("functions/a/main.go", "package main\n\nfunc main() {}\n")
	_, _, err := dashboard.EmittedMetrics(dir, []string{"./functions/a"})
	if !errors.Is(err, dashboard.ErrNoEmitter) {
		t.Fatalf("err = %v, want ErrNoEmitter", err)
	}
}
