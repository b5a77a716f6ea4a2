package deployment_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

// fixtureRoot lays out a repository root with template (a template.yaml
// text) and the project's own translator, and returns it.
func fixtureRoot(t *testing.T, template []byte) string {
	t.Helper()
	repo, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, deployment.Translator), filepath.Join(root, deployment.Translator)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, deployment.Template), template, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

var (
	fixtureOnce sync.Once
	fixture     *deployment.Deployment
	fixtureErr  error
)

// loadFixture is testdata/template.yaml expanded, once per test binary (each
// expansion runs Python).
func loadFixture(t *testing.T) *deployment.Deployment {
	t.Helper()
	fixtureOnce.Do(func() {
		var template []byte
		template, fixtureErr = os.ReadFile(filepath.Join("testdata", "template.yaml"))
		if fixtureErr == nil {
			fixture, fixtureErr = deployment.Load(fixtureRoot(t, template))
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixture
}

// localNames stands in for the local system's names.
func localNames(ref string) (string, bool) {
	names := map[string]string{"Items": "local-items", "Items.Arn": "arn:local:items", "Key": "local/key"}
	v, ok := names[ref]
	return v, ok
}

func TestFunctionsAreReadAsDeployed(t *testing.T) {
	d := loadFixture(t)
	fns, err := d.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 2 || fns[0].LogicalID != "DefaultsFunction" || fns[1].LogicalID != "GreetFunction" {
		t.Fatalf("functions %+v, want DefaultsFunction and GreetFunction", fns)
	}
	greet := fns[1]
	if greet.Timeout != 7*time.Second || greet.MemoryMB != 512 {
		t.Errorf("timeout %s memory %d, want 7s and 512", greet.Timeout, greet.MemoryMB)
	}
	want := deployment.Route{Method: "POST", Path: "/greet", Timeout: 8 * time.Second, Authorizer: "AWS_IAM"}
	if len(greet.Routes) != 1 || greet.Routes[0] != want {
		t.Errorf("routes %+v, want [%+v]", greet.Routes, want)
	}
	// CloudFormation's defaults where the template says nothing.
	if def := fns[0]; def.Timeout != 3*time.Second || def.MemoryMB != 128 || len(def.Routes) != 0 {
		t.Errorf("defaults: timeout %s memory %d routes %v, want 3s, 128, none", def.Timeout, def.MemoryMB, def.Routes)
	}
}

func TestEnvironmentResolvesToLocalNames(t *testing.T) {
	d := loadFixture(t)
	fn, err := d.Function("GreetFunction")
	if err != nil {
		t.Fatal(err)
	}
	env, err := d.Environment(fn, localNames, map[string]string{"Greeting": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GREETING": "hi", "TABLE": "local-items", "TABLE_ARN": "arn:local:items", "SECRET": "local/key", "LITERAL": "42"}
	if len(env) != len(want) {
		t.Errorf("env %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	// Without an override a parameter keeps its default.
	env, err = d.Environment(fn, localNames, nil)
	if err != nil || env["GREETING"] != "hello" {
		t.Errorf("GREETING = %q (%v), want the default hello", env["GREETING"], err)
	}
}

func TestResolveRefusesWhatItCannotEvaluate(t *testing.T) {
	d := loadFixture(t)
	for name, v := range map[string]any{
		"Fn::Sub":           map[string]any{"Fn::Sub": "${AWS::StackName}-x"},
		"two keys":          map[string]any{"Ref": "Items", "Other": "x"},
		"list":              []any{"a"},
		"Ref of a list":     map[string]any{"Ref": []any{"x"}},
		"Fn::If of no list": map[string]any{"Fn::If": "Cond"},
		"Fn::GetAtt of one": map[string]any{"Fn::GetAtt": []any{"Items"}},
	} {
		if _, err := d.Resolve(v, localNames, nil); !errors.Is(err, deployment.ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", name, err)
		}
	}
	// A resource without a local stand-in is an error, not "".
	if _, err := d.Resolve(map[string]any{"Ref": "Api"}, localNames, nil); err == nil {
		t.Error("Ref to a resource with no local name resolved")
	}
	if _, err := d.Resolve(map[string]any{"Fn::If": []any{"NoSuchCondition", "a", "b"}}, localNames, nil); err == nil {
		t.Error("Fn::If of an unknown condition resolved")
	}
}

func TestTablesAndSecretsAreTheTemplates(t *testing.T) {
	d := loadFixture(t)
	tables, err := d.Tables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].LogicalID != "Items" || tables[0].TTLAttribute != "gone_at" {
		t.Fatalf("tables %+v, want Items with TTL gone_at", tables)
	}
	in := tables[0].CreateTableInput("local-items")
	if aws.ToString(in.TableName) != "local-items" || in.BillingMode != "PAY_PER_REQUEST" || len(in.AttributeDefinitions) != 3 {
		t.Errorf("create input %+v", in)
	}
	if len(in.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("indexes %+v, want ByOwner", in.GlobalSecondaryIndexes)
	}
	gsi := in.GlobalSecondaryIndexes[0]
	if aws.ToString(gsi.IndexName) != "ByOwner" || len(gsi.KeySchema) != 2 || gsi.KeySchema[1].KeyType != "RANGE" ||
		aws.ToString(gsi.KeySchema[1].AttributeName) != "at" || gsi.Projection.ProjectionType != "KEYS_ONLY" {
		t.Errorf("index %+v", gsi)
	}
	// A secret whose condition does not hold is not created.
	if got := d.Secrets(); len(got) != 1 || got[0] != "Key" {
		t.Errorf("secrets %v, want [Key]", got)
	}
}

// TestTemplateChangesNeedNoGoEdit mutates the project's own template.yaml:
// the new timeout and a new index reach the local system's view of it.
func TestTemplateChangesNeedNoGoEdit(t *testing.T) {
	repo, err := deployment.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(filepath.Join(repo, deployment.Template))
	if err != nil {
		t.Fatal(err)
	}
	mutated := strings.Replace(string(original), "      Timeout: 10\n", "      Timeout: 9\n", 1)
	mutated = strings.Replace(mutated, "          Projection:\n            ProjectionType: ALL\n",
		"          Projection:\n            ProjectionType: ALL\n        - IndexName: ByStatus\n          KeySchema:\n            - {AttributeName: created_at, KeyType: HASH}\n          Projection:\n            ProjectionType: KEYS_ONLY\n", 1)
	if mutated == string(original) || strings.Count(mutated, "IndexName") != strings.Count(string(original), "IndexName")+1 {
		t.Fatal("the template no longer has the text this test edits; update the test")
	}
	before, err := deployment.Load(fixtureRoot(t, original))
	if err != nil {
		t.Fatal(err)
	}
	after, err := deployment.Load(fixtureRoot(t, []byte(mutated)))
	if err != nil {
		t.Fatal(err)
	}
	timeouts := func(d *deployment.Deployment) map[string]time.Duration {
		fns, err := d.Functions()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]time.Duration{}
		for _, fn := range fns {
			m[fn.LogicalID] = fn.Timeout
		}
		return m
	}
	b, a := timeouts(before), timeouts(after)
	changed := 0
	for id := range b {
		if a[id] != b[id] {
			changed++
			if a[id] != 9*time.Second {
				t.Errorf("%s timeout %s after the edit, want 9s", id, a[id])
			}
		}
	}
	if changed != 1 {
		t.Errorf("%d function timeouts changed, want 1", changed)
	}
	indexes := func(d *deployment.Deployment) int {
		tables, err := d.Tables()
		if err != nil || len(tables) == 0 {
			t.Fatalf("tables: %v", err)
		}
		return len(tables[0].CreateTableInput("x").GlobalSecondaryIndexes)
	}
	if indexes(after) != indexes(before)+1 {
		t.Errorf("indexes %d after adding one, want %d", indexes(after), indexes(before)+1)
	}
}

// Load caches the expansion on disk; a cache file cut short (a writer that
// died, or one of another machine sharing the checkout) is expanded again,
// not read as the expansion.
func TestLoadCachesOnDiskAndExpandsADamagedCacheAgain(t *testing.T) {
	template, err := os.ReadFile(filepath.Join("testdata", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	first := fixtureRoot(t, template)
	if _, err := deployment.Load(first); err != nil {
		t.Fatal(err)
	}
	cached, _ := filepath.Glob(filepath.Join(first, "bin", "cache", "deployment-*.json"))
	if len(cached) != 1 {
		t.Fatalf("cache files %v, want one", cached)
	}
	second := fixtureRoot(t, template) // another root: not in this process's cache
	damaged := filepath.Join(second, "bin", "cache", filepath.Base(cached[0]))
	if err := os.MkdirAll(filepath.Dir(damaged), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(damaged, []byte(`{"raw":{"Resour`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := deployment.Load(second); err != nil {
		t.Fatalf("Load over a damaged cache: %v", err)
	}
	if b, err := os.ReadFile(damaged); err != nil || !json.Valid(b) {
		t.Errorf("the damaged cache file was not replaced: %.40s (%v)", b, err)
	}
}

func TestLoadReportsARefusedTemplate(t *testing.T) {
	root := fixtureRoot(t, []byte("Resources: [not, a, map]\n"))
	if _, err := deployment.Load(root); err == nil || !strings.Contains(err.Error(), "expanding template.yaml") {
		t.Errorf("Load of a broken template: %v, want an expansion error", err)
	}
}
