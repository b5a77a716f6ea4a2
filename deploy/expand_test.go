package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

// repoRoot is the repository root: go test runs in deploy/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "template.yaml")); err != nil {
		t.Fatalf("template.yaml not found at the repository root %s: %v", root, err)
	}
	return root
}

// python returns an interpreter that has what translate.py imports. A missing
// one fails the test: skipping would report the template as checked when it
// was not.
func python(t *testing.T) string {
	t.Helper()
	p, err := deployment.Python()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runTranslate runs translate.py with args and returns its stdout, or its
// stderr as the error when it exits non-zero.
func runTranslate(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	root := repoRoot(t)
	cmd := exec.Command(python(t), append([]string{filepath.Join(root, "deploy", "translate.py")}, args...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()) + " (" + err.Error() + ")")
	}
	return stdout.Bytes(), nil
}

// stack is template.yaml expanded for one set of parameter values.
type stack struct {
	Raw        map[string]any    `json:"raw"`
	Parameters map[string]string `json:"parameters"`
	Conditions map[string]bool   `json:"conditions"`
	Translated map[string]any    `json:"translated"`
}

var (
	stackMu    sync.Mutex
	stackCache = map[string]*stack{}
)

// expand returns template.yaml expanded with the given parameter overrides
// (Key=Value), failing the test if CloudFormation would refuse them.
func expand(t *testing.T, overrides ...string) *stack {
	t.Helper()
	s, err := tryExpand(t, overrides...)
	if err != nil {
		t.Fatalf("expanding template.yaml with %v: %v", overrides, err)
	}
	return s
}

func tryExpand(t *testing.T, overrides ...string) (*stack, error) {
	t.Helper()
	key := strings.Join(overrides, "\x00")
	stackMu.Lock()
	cached, ok := stackCache[key]
	stackMu.Unlock()
	if ok {
		return cached, nil
	}
	args := []string{"template", "template.yaml", "--region", "eu-west-1"}
	for _, o := range overrides {
		args = append(args, "--param", o)
	}
	out, err := runTranslate(t, args...)
	if err != nil {
		return nil, err
	}
	var s stack
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("translate.py printed invalid JSON: %v", err)
	}
	stackMu.Lock()
	stackCache[key] = &s
	stackMu.Unlock()
	return &s, nil
}

// noValue marks a value removed by Ref AWS::NoValue.
type noValue struct{}

// resolve evaluates what depends only on parameters and conditions: Fn::If,
// Ref to a parameter, Fn::Split of a resolved string, and AWS::NoValue (the
// key or item disappears). Everything else (Ref to a resource, Fn::GetAtt,
// Fn::Sub) is left as written.
func (s *stack) resolve(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			if arg, ok := v["Fn::If"].([]any); ok && len(arg) == 3 {
				if s.Conditions[arg[0].(string)] {
					return s.resolve(arg[1])
				}
				return s.resolve(arg[2])
			}
			if name, ok := v["Ref"].(string); ok {
				if name == "AWS::NoValue" {
					return noValue{}
				}
				if value, ok := s.Parameters[name]; ok {
					return value
				}
				return v
			}
			if arg, ok := v["Fn::Split"].([]any); ok && len(arg) == 2 {
				if text, ok := s.resolve(arg[1]).(string); ok {
					var parts []any
					for _, p := range strings.Split(text, arg[0].(string)) {
						parts = append(parts, p)
					}
					return parts
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, item := range v {
			if r := s.resolve(item); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			if r := s.resolve(item); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	default:
		return v
	}
}

// resources returns the translated resources (unresolved).
func (s *stack) resources(t *testing.T) map[string]any {
	t.Helper()
	return asMap(t, s.Translated["Resources"], "Resources")
}

// resource returns the translated resource id with conditions and parameters
// resolved, failing if it is missing or its type differs.
func (s *stack) resource(t *testing.T, id, typ string) map[string]any {
	t.Helper()
	r, ok := s.resources(t)[id]
	if !ok {
		t.Fatalf("resource %s missing from the translated template", id)
	}
	res := asMap(t, s.resolve(r), id)
	if res["Type"] != typ {
		t.Fatalf("resource %s has type %v, want %s", id, res["Type"], typ)
	}
	return res
}

// props returns the resolved Properties of resource id.
func (s *stack) props(t *testing.T, id, typ string) map[string]any {
	t.Helper()
	return asMap(t, s.resource(t, id, typ)["Properties"], id+".Properties")
}

// ofType returns the logical ids of the translated resources of type typ whose
// Condition (if any) holds.
func (s *stack) ofType(t *testing.T, typ string) []string {
	t.Helper()
	var ids []string
	for id, r := range s.resources(t) {
		res := asMap(t, r, id)
		if res["Type"] != typ {
			continue
		}
		if c, ok := res["Condition"].(string); ok && !s.Conditions[c] {
			continue
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func asMap(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want an object, got %T (%v)", what, v, v)
	}
	return m
}

func asList(t *testing.T, v any, what string) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want a list, got %T (%v)", what, v, v)
	}
	return l
}

// dig follows keys through nested objects.
func dig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	path := ""
	for _, k := range keys {
		path += "." + k
		m := asMap(t, v, path)
		next, ok := m[k]
		if !ok {
			t.Fatalf("%s missing", path)
		}
		v = next
	}
	return v
}

// jsonEqual compares two decoded JSON values through their encoding.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// num reads a number that is either literal in the template (float64) or a
// resolved parameter (string).
func num(t *testing.T, v any, what string) float64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return v
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err == nil {
			return f
		}
	}
	t.Fatalf("%s: want a number, got %T (%v)", what, v, v)
	return 0
}

// stringList reads a string or a list of strings (IAM Action, Resource).
func stringList(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, v)
	}
	return out
}

// mustJSON encodes v for messages and comparisons.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
