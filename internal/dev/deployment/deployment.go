// Package deployment reads template.yaml expanded as CloudFormation would
// (deploy/translate.py: parameter defaults, conditions, the SAM transform), so
// that the local system and the tests create what a deployed stack has, not a
// copy that drifts. It runs Python: no product package may import it.
package deployment

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// The files Load reads, relative to the repository root.
const (
	Template   = "template.yaml"
	Translator = "deploy/translate.py"
)

// ErrUnsupported is wrapped by errors about template constructs this package
// does not evaluate: a template using them fails instead of being half-read.
var ErrUnsupported = errors.New("deployment: unsupported in template.yaml")

// Deployment is template.yaml expanded with its parameter defaults.
type Deployment struct {
	Parameters map[string]string // the defaults the expansion used
	conditions map[string]bool   // evaluated for Parameters
	translated map[string]Resource
	raw        map[string]Resource // as written: SAM-only properties such as a function's Events
}

// Resource is one entry of a template's Resources, intrinsic functions in
// their long form ({"Ref": id}, {"Fn::Sub": text}).
type Resource struct {
	Type, Condition string
	Properties      json.RawMessage
}

// expansion is what `translate.py template` prints.
type expansion struct {
	Raw        struct{ Resources map[string]Resource } `json:"raw"`
	Translated struct{ Resources map[string]Resource } `json:"translated"`
	Parameters map[string]string                       `json:"parameters"`
	Conditions map[string]bool                         `json:"conditions"`
}

var (
	loadMu sync.Mutex
	loaded = map[string]*Deployment{}
)

// Load expands root's template.yaml (see LoadTemplate).
func Load(root string) (*Deployment, error) {
	return LoadTemplate(root, filepath.Join(root, Template))
}

// LoadTemplate expands the template at path with root's translator, cached
// in the process and under root/bin/cache by the contents of both: Python
// runs once per template change, not once per call.
func LoadTemplate(root, path string) (*Deployment, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	key, err := cacheKey(root, path)
	if err != nil {
		return nil, err
	}
	if d, ok := loaded[root+" "+key]; ok {
		return d, nil
	}
	out, err := expand(root, path, key)
	if err != nil {
		return nil, err
	}
	var e expansion
	if err := json.Unmarshal(out, &e); err != nil {
		return nil, fmt.Errorf("deployment: %s printed invalid JSON: %w", Translator, err)
	}
	d := &Deployment{
		Parameters: e.Parameters,
		conditions: e.Conditions,
		translated: e.Translated.Resources,
		raw:        e.Raw.Resources,
	}
	loaded[root+" "+key] = d
	return d, nil
}

// LoadFromWorkingDir is Load for the repository around the working
// directory (tests run in their package's directory).
func LoadFromWorkingDir() (*Deployment, error) {
	root, err := FindRoot()
	if err != nil {
		return nil, err
	}
	return Load(root)
}

// FindRoot walks up from the working directory to the directory that holds
// go.mod and template.yaml.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	for ; err == nil; dir = filepath.Dir(dir) {
		if fileExists(filepath.Join(dir, "go.mod")) && fileExists(filepath.Join(dir, Template)) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			err = errors.New("deployment: no go.mod and template.yaml above the working directory; run from the repository")
		}
	}
	return "", err
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// expand returns translate.py's JSON for the template at path, from root's
// disk cache when the template and translator are unchanged.
func expand(root, path, key string) ([]byte, error) {
	cached := filepath.Join(root, "bin", "cache", "deployment-"+key+".json")
	if out, err := os.ReadFile(cached); err == nil && json.Valid(out) {
		return out, nil
	}
	python, err := Python()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, filepath.Join(root, Translator), "template", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("deployment: expanding %s: %s (%w)", filepath.Base(path), strings.TrimSpace(stderr.String()), err)
	}
	writeAtomically(cached, stdout.Bytes())
	return stdout.Bytes(), nil
}

// Python returns an interpreter that can run deploy/translate.py: Python
// 3.11 or newer with aws-sam-translator and PyYAML. It tries $PYTHON, then
// python3.x on PATH, then PyenvExecutables.
var Python = sync.OnceValues(findPython)

// PyenvExecutables returns the executables called name of the pyenv
// versions under $PYENV_ROOT, then ~/.pyenv, each root's newest first:
// where the machine's Python keeps them when a bare PATH lacks the pyenv
// shims.
func PyenvExecutables(name string) []string {
	var found []string
	home, _ := os.UserHomeDir()
	for _, root := range []string{os.Getenv("PYENV_ROOT"), filepath.Join(home, ".pyenv")} {
		if root != "" {
			matches, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", name))
			slices.Sort(matches)
			slices.Reverse(matches)
			found = append(found, matches...)
		}
	}
	return found
}

func findPython() (string, error) {
	var candidates []string
	if p := os.Getenv("PYTHON"); p != "" {
		candidates = append(candidates, p)
	}
	for _, name := range []string{"python3.11", "python3.12", "python3.13", "python3"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	candidates = append(candidates, PyenvExecutables("python3")...)
	// A pyenv shim exists even when the active version lacks the modules, so
	// every candidate is tried, not just found.
	for _, p := range candidates {
		if exec.Command(p, "-c", "import tomllib, yaml, samtranslator").Run() == nil {
			return p, nil
		}
	}
	return "", errors.New("deployment: no Python >= 3.11 with aws-sam-translator and PyYAML found " +
		"(tried $PYTHON, python3.x on PATH, $PYENV_ROOT/versions/*/bin/python3, ~/.pyenv/versions/*/bin/python3); " +
		"install them with: pip install cfn-lint aws-sam-translator")
}

func cacheKey(root, path string) (string, error) {
	h := sha256.New()
	for _, name := range []string{path, filepath.Join(root, Translator)} {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("deployment: %w", err)
		}
		fmt.Fprintf(h, "%d\n", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// writeAtomically renames a file no other writer shares into place, so no
// reader sees half of one; a failure only costs another expansion.
func writeAtomically(path string, data []byte) {
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if tmp.Close() != nil || err != nil || os.Rename(tmp.Name(), path) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// resourcesOfType returns the logical ids of the translated resources of
// type typ whose condition holds, sorted.
func (d *Deployment) resourcesOfType(typ string) []string {
	var ids []string
	for id, r := range d.translated {
		if r.Type == typ && (r.Condition == "" || d.conditions[r.Condition]) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// readAll reads each of resourcesOfType(typ).
func readAll[T any](d *Deployment, typ string, read func(id string) (T, error)) ([]T, error) {
	var all []T
	for _, id := range d.resourcesOfType(typ) {
		v, err := read(id)
		if err != nil {
			return nil, err
		}
		all = append(all, v)
	}
	return all, nil
}

// Resources returns the resources as written, before the SAM transform.
func (d *Deployment) Resources() map[string]Resource { return d.raw }

// Secrets returns the logical ids of the secrets the stack creates.
func (d *Deployment) Secrets() []string {
	return d.resourcesOfType("AWS::SecretsManager::Secret")
}

// Count returns how many resources of type typ ("AWS::CloudWatch::Dashboard")
// the stack creates with the parameter defaults.
func (d *Deployment) Count(typ string) int { return len(d.resourcesOfType(typ)) }

// AlarmMetrics returns how many metrics the stack's CloudWatch alarms watch,
// the unit CloudWatch bills alarms in: one for an alarm on a metric, one per
// metric queried for a metric math alarm.
func (d *Deployment) AlarmMetrics() (int, error) {
	n := 0
	for _, id := range d.resourcesOfType("AWS::CloudWatch::Alarm") {
		var p struct {
			MetricName string
			Metrics    []struct{ MetricStat json.RawMessage }
		}
		if err := json.Unmarshal(d.translated[id].Properties, &p); err != nil {
			return 0, fmt.Errorf("deployment: alarm %s: %w", id, err)
		}
		if len(p.Metrics) == 0 {
			n++
			continue
		}
		for _, m := range p.Metrics {
			if len(m.MetricStat) > 0 {
				n++
			}
		}
	}
	return n, nil
}

// AccessLogFormats returns the access log format of each HTTP API stage
// that writes one.
func (d *Deployment) AccessLogFormats() ([]string, error) {
	var formats []string
	for _, id := range d.resourcesOfType("AWS::ApiGatewayV2::Stage") {
		var p struct{ AccessLogSettings struct{ Format string } }
		if err := json.Unmarshal(d.translated[id].Properties, &p); err != nil {
			return nil, fmt.Errorf("deployment: stage %s: %w", id, err)
		}
		if p.AccessLogSettings.Format != "" {
			formats = append(formats, p.AccessLogSettings.Format)
		}
	}
	return formats, nil
}
