package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The workflow files of the delivery pipeline.
const (
	deployWorkflow    = ".github/workflows/deploy.yml"
	deployEnvWorkflow = ".github/workflows/deploy-env.yml"
	ciWorkflow        = ".github/workflows/ci.yml"
)

// workflow is what the tests read of a GitHub Actions workflow. `make
// workflow-check` lints the files with actionlint; the tests only need their
// structure, which yaml.v3 reads without putting a linter into the module's
// requirements (and so into the graph of every module importing
// pkg/periskope).
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]*job   `yaml:"jobs"`
}

// job is a job: one that calls a reusable workflow (Uses, With) or one that
// runs Steps.
type job struct {
	ID          string            `yaml:"-"` // its key under jobs
	Uses        string            `yaml:"uses"`
	With        map[string]string `yaml:"with"`
	Needs       stringOrList      `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Environment environment       `yaml:"environment"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	Uses string            `yaml:"uses"` // an action
	Run  string            `yaml:"run"`  // or a script
	With map[string]string `yaml:"with"`
}

// stringOrList is a value GitHub accepts as one string or a list of them
// (needs).
type stringOrList []string

func (l *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = []string{n.Value}
		return nil
	}
	return n.Decode((*[]string)(l))
}

// environment is a job's environment: a name, or a mapping with a name.
type environment struct{ Name string }

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.Name = n.Value
		return nil
	}
	var m struct {
		Name string `yaml:"name"`
	}
	err := n.Decode(&m)
	e.Name = m.Name
	return err
}

// parseWorkflow parses a workflow file of the repository.
func parseWorkflow(t *testing.T, path string) *workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), path))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for id, j := range w.Jobs {
		j.ID = id
	}
	return &w
}

// samconfigEnvironments are the --config-env sections of samconfig.toml,
// without [default] (what a bare `sam deploy` uses; no pipeline deploys it).
func samconfigEnvironments(t *testing.T) []string {
	t.Helper()
	var envs []string
	for name, section := range loadSamconfig(t).Config {
		if _, ok := section.(map[string]any); ok && name != "default" {
			envs = append(envs, name)
		}
	}
	slices.Sort(envs)
	return envs
}

// deployJobs maps each job of deploy.yml to the environment it deploys.
func deployJobs(t *testing.T) map[string]*job {
	t.Helper()
	jobs := map[string]*job{}
	for _, job := range parseWorkflow(t, deployWorkflow).Jobs {
		if job.Uses != "./"+deployEnvWorkflow {
			t.Errorf("job %s does not call %s", job.ID, deployEnvWorkflow)
			continue
		}
		env, ok := job.With["environment"]
		if !ok || env == "" {
			t.Errorf("job %s passes no environment", job.ID)
			continue
		}
		if env != job.ID {
			t.Errorf("job %s deploys environment %q: name the job after its environment", job.ID, env)
		}
		if _, dup := jobs[env]; dup {
			t.Errorf("environment %s has two deploy jobs", env)
		}
		jobs[env] = job
	}
	return jobs
}

// Every environment of samconfig.toml has a deploy job, and every deploy job
// an environment of samconfig.toml; dev deploys first, and each other job
// waits for another (staging after dev, prod after staging).
func TestEveryEnvironmentHasADeployJob(t *testing.T) {
	envs := samconfigEnvironments(t)
	if len(envs) == 0 {
		t.Fatal("samconfig.toml has no environment")
	}
	jobs := deployJobs(t)
	for _, env := range envs {
		if _, ok := jobs[env]; !ok {
			t.Errorf("samconfig.toml environment %s has no job in %s", env, deployWorkflow)
		}
	}
	for env := range jobs {
		if !slices.Contains(envs, env) {
			t.Errorf("%s deploys %s, which samconfig.toml does not define", deployWorkflow, env)
		}
	}
	for env, job := range jobs {
		needs := job.Needs
		if env == "dev" && len(needs) > 0 {
			t.Errorf("dev needs %v: it should deploy first", needs)
		}
		if env != "dev" && len(needs) == 0 {
			t.Errorf("%s needs no other deploy job: it would deploy before dev was checked", env)
		}
		if !grantsIDToken(job.Permissions) {
			t.Errorf("job %s does not grant id-token: write to the workflow it calls", env)
		}
	}
}

func grantsIDToken(p map[string]string) bool { return p["id-token"] == "write" }

// The called workflow runs in the GitHub environment it deploys, assumes a
// role through OIDC (never stored keys), builds and deploys with that
// environment's samconfig section and smoke-tests it.
func TestDeployJobAssumesItsEnvironmentsRole(t *testing.T) {
	w := parseWorkflow(t, deployEnvWorkflow)
	if len(w.Jobs) != 1 {
		t.Fatalf("%s has %d jobs, want 1", deployEnvWorkflow, len(w.Jobs))
	}
	for _, job := range w.Jobs {
		if job.Environment.Name != "${{ inputs.environment }}" {
			t.Errorf("job %s does not run in the GitHub environment it deploys (environment: ${{ inputs.environment }})", job.ID)
		}
		if !grantsIDToken(job.Permissions) {
			t.Errorf("job %s lacks permissions id-token: write (OIDC)", job.ID)
		}
		var runs []string
		assumes := false
		for _, step := range job.Steps {
			if step.Run != "" {
				runs = append(runs, step.Run)
			}
			if !strings.HasPrefix(step.Uses, "aws-actions/configure-aws-credentials@") {
				continue
			}
			_, assumes = step.With["role-to-assume"]
			for _, key := range []string{"aws-access-key-id", "aws-secret-access-key"} {
				if _, ok := step.With[key]; ok {
					t.Errorf("configure-aws-credentials is given %s: deploys must assume a role through OIDC", key)
				}
			}
		}
		if !assumes {
			t.Error("no aws-actions/configure-aws-credentials step with role-to-assume")
		}
		all := strings.Join(runs, "\n")
		for _, want := range []string{`sam build --config-env "$DEPLOY_ENV"`, `sam deploy --config-env "$DEPLOY_ENV"`, `make smoke ENV="$DEPLOY_ENV"`} {
			if !strings.Contains(all, want) {
				t.Errorf("no step runs %s", want)
			}
		}
	}
}

// pinnedAction is a released major version tag or a full commit SHA.
var pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})$`)

// Every action is pinned, and every workflow builds with go.mod's toolchain.
func TestWorkflowsPinActionsAndToolchain(t *testing.T) {
	toolchain := goModToolchain(t)
	for _, path := range []string{ciWorkflow, deployEnvWorkflow} {
		w := parseWorkflow(t, path)
		if got := w.Env["GOTOOLCHAIN"]; got != toolchain {
			t.Errorf("%s: GOTOOLCHAIN = %q, want go.mod's toolchain %q", path, got, toolchain)
		}
		for _, job := range w.Jobs {
			for _, step := range job.Steps {
				if step.Uses != "" && !pinnedAction.MatchString(step.Uses) {
					t.Errorf("%s: %s is not pinned to a major version tag or a commit SHA", path, step.Uses)
				}
			}
		}
	}
}

// goModToolchain is the toolchain line of go.mod (go1.27.3).
func goModToolchain(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "toolchain "); ok {
			return v
		}
	}
	t.Fatal("go.mod has no toolchain line")
	return ""
}

// deploy/pipeline.yaml makes one role per samconfig.toml environment, which
// only that GitHub environment of one repository can assume.
func TestPipelineRolePerEnvironment(t *testing.T) {
	out, err := runTranslate(t, "parse", filepath.Join("deploy", "pipeline.yaml"))
	if err != nil {
		t.Fatalf("parsing deploy/pipeline.yaml: %v", err)
	}
	var tpl struct {
		Resources map[string]json.RawMessage
	}
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	var forEach []json.RawMessage
	if err := json.Unmarshal(tpl.Resources["Fn::ForEach::Environments"], &forEach); err != nil || len(forEach) != 3 {
		t.Fatalf("no Fn::ForEach::Environments [Env, [environments], {roles}] in Resources (%v)", err)
	}
	var envs []string
	if err := json.Unmarshal(forEach[1], &envs); err != nil {
		t.Fatal(err)
	}
	slices.Sort(envs)
	if want := samconfigEnvironments(t); !slices.Equal(envs, want) {
		t.Errorf("pipeline.yaml makes roles for %v, samconfig.toml has environments %v", envs, want)
	}

	var roles map[string]map[string]any
	if err := json.Unmarshal(forEach[2], &roles); err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 {
		t.Fatalf("Fn::ForEach::Environments makes %d resources per environment, want the deploy role only", len(roles))
	}
	for _, r := range roles {
		trust := asMap(t, asSlice(dig(t, r, "Properties", "AssumeRolePolicyDocument", "Statement"))[0], "trust statement")
		if got := toJSON(dig(t, trust, "Condition", "StringEquals")); got != `{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",`+
			`"token.actions.githubusercontent.com:sub":{"Fn::Sub":"repo:${GitHubRepository}:environment:${Env}"}}` {
			t.Errorf("the deploy role trusts %s; want only this repository's jobs in the environment of the same name", got)
		}
		for _, p := range asSlice(dig(t, r, "Properties", "Policies")) {
			for _, st := range asSlice(dig(t, asMap(t, p, "policy"), "PolicyDocument", "Statement")) {
				s := asMap(t, st, "statement")
				for _, action := range stringList(s["Action"]) {
					if action == "*" || strings.HasSuffix(action, ":*") {
						t.Errorf("statement %v allows %s", s["Sid"], action)
					}
					if action == "iam:PassRole" && slices.Contains(stringList(s["Resource"]), "*") {
						t.Errorf("statement %v may pass any role", s["Sid"])
					}
				}
			}
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
