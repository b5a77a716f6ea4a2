package deploy

import (
	"encoding/json"
	"maps"
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
	On   map[string]trigger `yaml:"on"`
	Env  map[string]string  `yaml:"env"`
	Jobs map[string]*job    `yaml:"jobs"`
}

// trigger is an event of on: (push with its filters, workflow_dispatch,
// workflow_call, ...).
type trigger struct {
	Branches []string `yaml:"branches"`
	Tags     []string `yaml:"tags"`
}

// job is a job: one that calls a reusable workflow (Uses, With) or one that
// runs Steps.
type job struct {
	ID          string            `yaml:"-"` // its key under jobs
	If          string            `yaml:"if"`
	Uses        string            `yaml:"uses"`
	With        map[string]string `yaml:"with"`
	Needs       stringOrList      `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Environment environment       `yaml:"environment"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"` // an action
	Run  string            `yaml:"run"`  // or a script
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
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
		if job.ID == ciJob {
			continue
		}
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

// ciJob is deploy.yml's job that runs ci.yml on the commit being deployed.
const ciJob = "ci"

// Every environment of samconfig.toml has a deploy job, and every deploy job
// an environment of samconfig.toml; dev deploys first once CI passed, and
// each other job waits for another (staging after dev, prod after staging).
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
		needs := []string(job.Needs)
		if !slices.Contains(needs, ciJob) {
			t.Errorf("%s needs %v, not the %s job: it could deploy a commit CI failed", env, needs, ciJob)
		}
		others := slices.DeleteFunc(slices.Clone(needs), func(n string) bool { return n == ciJob })
		if env == "dev" && len(others) > 0 {
			t.Errorf("dev needs %v: it should deploy first", others)
		}
		if env != "dev" && len(others) == 0 {
			t.Errorf("%s needs no other deploy job: it would deploy before dev was checked", env)
		}
		if !onlyOnMain(job.If) {
			t.Errorf("job %s runs on any branch: want if: github.ref == 'refs/heads/main' (workflow_dispatch can start it from any)", env)
		}
		if !grantsIDToken(job.Permissions) {
			t.Errorf("job %s does not grant id-token: write to the workflow it calls", env)
		}
	}
}

func grantsIDToken(p map[string]string) bool { return p["id-token"] == "write" }

// onlyOnMain reports whether a job's if: is exactly the main-branch guard.
func onlyOnMain(cond string) bool {
	return strings.Join(strings.Fields(cond), " ") == "github.ref == 'refs/heads/main'"
}

// Issue 18 §9: deploy.yml runs on pushes to main and by hand, and before any
// deploy job runs ci.yml, as a called workflow, on the same commit; nothing
// runs from another branch.
func TestDeployOnlyAfterCIOnMain(t *testing.T) {
	w := parseWorkflow(t, deployWorkflow)
	events := slices.Sorted(maps.Keys(w.On))
	if push, ok := w.On["push"]; ok && (!slices.Equal(push.Branches, []string{"main"}) || push.Tags != nil) {
		t.Errorf("%s runs on pushes to branches other than main", deployWorkflow)
	}
	if !slices.Equal(events, []string{"push", "workflow_dispatch"}) {
		t.Errorf("%s runs on %v, want [push workflow_dispatch]", deployWorkflow, events)
	}

	ci, ok := w.Jobs[ciJob]
	if !ok {
		t.Fatalf("%s has no %s job", deployWorkflow, ciJob)
	}
	if ci.Uses != "./"+ciWorkflow {
		t.Errorf("job %s does not call ./%s (the commit deployed must be the commit tested)", ciJob, ciWorkflow)
	}
	if grantsIDToken(ci.Permissions) {
		t.Errorf("job %s gets id-token: write; only the deploy jobs need it", ciJob)
	}
	if !onlyOnMain(ci.If) {
		t.Errorf("job %s runs on any branch: want if: github.ref == 'refs/heads/main'", ciJob)
	}
	if _, called := parseWorkflow(t, ciWorkflow).On["workflow_call"]; !called {
		t.Errorf("%s cannot be called (on: workflow_call): %s could not run it first", ciWorkflow, deployWorkflow)
	}
}

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
		if got := stepEnv(job, "sam deploy", "EXECUTION_ROLE_ARN"); got != "${{ vars.AWS_EXECUTION_ROLE_ARN }}" {
			t.Errorf("sam deploy's EXECUTION_ROLE_ARN is %q, want the GitHub environment's variable ${{ vars.AWS_EXECUTION_ROLE_ARN }}", got)
		}
		if !assumes {
			t.Error("no aws-actions/configure-aws-credentials step with role-to-assume")
		}
		all := strings.Join(runs, "\n")
		// The deploy role may create change sets only when CloudFormation
		// runs them as the environment's execution role (pipeline.yaml).
		for _, want := range []string{`sam build --config-env "$DEPLOY_ENV"`, `sam deploy --config-env "$DEPLOY_ENV" --role-arn "$EXECUTION_ROLE_ARN"`, `make smoke ENV="$DEPLOY_ENV"`} {
			if !strings.Contains(all, want) {
				t.Errorf("no step runs %s", want)
			}
		}
	}
}

// pinnedAction is a released major version tag or a full commit SHA.
var pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})$`)

// shaPinnedLine is a uses: line pinned to a full commit SHA with the release
// tag beside it (what Dependabot updates together).
var shaPinnedLine = regexp.MustCompile(`^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$`)

// Every action is pinned, and every workflow builds with go.mod's toolchain.
// In a job that can get AWS credentials (id-token: write) every action is
// pinned to a commit SHA: a moved tag cannot run new code with the role.
// No checkout leaves the job's token on disk for later steps.
func TestWorkflowsPinActionsAndToolchain(t *testing.T) {
	toolchain := goModToolchain(t)
	for _, path := range []string{ciWorkflow, deployEnvWorkflow} {
		w := parseWorkflow(t, path)
		if got := w.Env["GOTOOLCHAIN"]; got != toolchain {
			t.Errorf("%s: GOTOOLCHAIN = %q, want go.mod's toolchain %q", path, got, toolchain)
		}
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), path))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for _, job := range w.Jobs {
			for _, step := range job.Steps {
				if step.Uses == "" {
					continue
				}
				if !pinnedAction.MatchString(step.Uses) {
					t.Errorf("%s: %s is not pinned to a major version tag or a commit SHA", path, step.Uses)
				}
				if grantsIDToken(job.Permissions) && !slices.ContainsFunc(lines, func(l string) bool {
					return strings.Contains(l, "uses: "+step.Uses) && shaPinnedLine.MatchString(l)
				}) {
					t.Errorf("%s: job %s has id-token: write, so %s must be pinned to a full commit SHA with its tag in a comment (uses: owner/repo@<sha> # vX.Y.Z)",
						path, job.ID, step.Uses)
				}
				if strings.HasPrefix(step.Uses, "actions/checkout@") && step.With["persist-credentials"] != "false" {
					t.Errorf("%s: job %s checks out with persist-credentials other than false: the token stays in .git/config for every later step", path, job.ID)
				}
			}
		}
	}
}

// stepEnv is the value of variable name in the env: of job's step called
// stepName.
func stepEnv(job *job, stepName, name string) string {
	for _, step := range job.Steps {
		if step.Name == stepName {
			return step.Env[name]
		}
	}
	return ""
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
		Parameters map[string]json.RawMessage
		Resources  map[string]json.RawMessage
	}
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	var forEach []json.RawMessage
	if err := json.Unmarshal(tpl.Resources["Fn::ForEach::Environments"], &forEach); err != nil || len(forEach) != 3 {
		t.Fatalf("no Fn::ForEach::Environments [Env, [environments], {roles}] in Resources (%v)", err)
	}
	// The environments are the Environments parameter: by default every
	// environment of samconfig.toml, each one allowed.
	var loop struct{ Ref string }
	if err := json.Unmarshal(forEach[1], &loop); err != nil || loop.Ref != "Environments" {
		t.Fatalf("Fn::ForEach::Environments loops over %s, want the parameter Environments", forEach[1])
	}
	var param struct {
		Type          string
		Default       string
		AllowedValues []string
	}
	if err := json.Unmarshal(tpl.Parameters["Environments"], &param); err != nil {
		t.Fatalf("pipeline.yaml's Environments parameter: %v", err)
	}
	envs := strings.Split(param.Default, ",")
	slices.Sort(envs)
	slices.Sort(param.AllowedValues)
	samEnvs := samconfigEnvironments(t)
	if param.Type != "CommaDelimitedList" || !slices.Equal(envs, samEnvs) || !slices.Equal(param.AllowedValues, samEnvs) {
		t.Errorf("pipeline.yaml's Environments is a %s defaulting to %v, allowing %v; want a CommaDelimitedList of samconfig.toml's environments %v",
			param.Type, envs, param.AllowedValues, samEnvs)
	}

	var resources map[string]map[string]any
	if err := json.Unmarshal(forEach[2], &resources); err != nil {
		t.Fatal(err)
	}
	// Per environment: the deploy role GitHub assumes, the CloudFormation
	// execution role it passes, the boundary of the roles the stack creates,
	// the logs resource policy its API's access-log delivery needs.
	want := map[string]string{
		"DeployRole${Env}":           "AWS::IAM::Role",
		"ExecutionRole${Env}":        "AWS::IAM::Role",
		"FunctionBoundary${Env}":     "AWS::IAM::ManagedPolicy",
		"ApiAccessLogDelivery${Env}": "AWS::Logs::ResourcePolicy",
	}
	if len(resources) != len(want) {
		t.Errorf("Fn::ForEach::Environments makes %d resources per environment, want %d: %v", len(resources), len(want), slices.Sorted(maps.Keys(resources)))
	}
	for id, typ := range want {
		if r, ok := resources[id]; !ok || r["Type"] != typ {
			t.Errorf("Fn::ForEach::Environments has no %s %s", typ, id)
		}
	}
	deploy := resources["DeployRole${Env}"]
	if deploy == nil {
		t.FailNow()
	}
	trust := asMap(t, asSlice(dig(t, deploy, "Properties", "AssumeRolePolicyDocument", "Statement"))[0], "trust statement")
	if got := toJSON(dig(t, trust, "Condition", "StringEquals")); got != `{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",`+
		`"token.actions.githubusercontent.com:sub":{"Fn::Sub":"repo:${GitHubRepository}:environment:${Env}:job_workflow_ref:${GitHubRepository}/`+deployEnvWorkflow+`@refs/heads/main"}}` {
		t.Errorf("the deploy role trusts %s; want only this repository's %s on main in the environment of the same name", got, deployEnvWorkflow)
	}
	for id, r := range resources {
		var statements []any
		if r["Type"] == "AWS::IAM::ManagedPolicy" {
			statements = asSlice(dig(t, r, "Properties", "PolicyDocument", "Statement"))
		}
		for _, p := range asSlice(asMap(t, r["Properties"], id)["Policies"]) {
			statements = append(statements, asSlice(dig(t, asMap(t, p, "policy"), "PolicyDocument", "Statement"))...)
		}
		for _, st := range statements {
			s := asMap(t, st, "statement")
			if s["Effect"] == "Deny" {
				continue
			}
			for _, action := range stringList(s["Action"]) {
				if action == "*" || strings.HasSuffix(action, ":*") {
					t.Errorf("%s: statement %v allows %s", id, s["Sid"], action)
				}
				if action == "iam:PassRole" && slices.Contains(stringList(s["Resource"]), "*") {
					t.Errorf("%s: statement %v may pass any role", id, s["Sid"])
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
