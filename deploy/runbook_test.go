package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
)

// runbookPath is the runbook, relative to the repository root.
const runbookPath = "docs/runbook.md"

// runbookSections splits the runbook into its "## " sections by heading.
func runbookSections(text string) map[string]string {
	sections := map[string]string{}
	parts := regexp.MustCompile(`(?m)^## `).Split(text, -1)
	for _, part := range parts[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		sections[strings.TrimSpace(heading)] = body
	}
	return sections
}

// Every alarm of template.yaml, whoever adds it, has a runbook entry under
// its logical id: its name, what it means, three numbered checks each with
// a command, and how to recover.
func TestEveryAlarmHasARunbookEntry(t *testing.T) {
	root := repoRoot(t)
	tmpl, err := dashboard.ReadTemplate(root, filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Alarms) == 0 {
		t.Fatal("template.yaml has no alarm; the parser must be missing them")
	}
	data, err := os.ReadFile(filepath.Join(root, runbookPath))
	if err != nil {
		t.Fatal(err)
	}
	sections := runbookSections(string(data))
	for _, a := range tmpl.Alarms {
		body, ok := sections[a.ID]
		if !ok {
			t.Errorf("%s: no '## %s' entry in %s", a.ID, a.ID, runbookPath)
			continue
		}
		checkRunbookEntry(t, a, body)
	}
}

func checkRunbookEntry(t *testing.T, a dashboard.Alarm, body string) {
	t.Helper()
	if name := strings.Replace(a.Name, "${AWS::StackName}", "<stack>", 1); !strings.Contains(body, "`"+name+"`") {
		t.Errorf("%s: the entry does not name the alarm `%s`", a.ID, name)
	}
	means, checks, recover := strings.Index(body, "**Means.**"), strings.Index(body, "**First checks.**"), strings.Index(body, "**Recover.**")
	if means < 0 || checks < means || recover < checks {
		t.Errorf("%s: want **Means.**, **First checks.** and **Recover.** in that order", a.ID)
		return
	}
	list := body[checks:recover]
	for i, n := range []string{"1. ", "2. ", "3. "} {
		start := strings.Index(list, "\n"+n)
		if start < 0 {
			t.Errorf("%s: first check %d missing", a.ID, i+1)
			continue
		}
		item := list[start+1:]
		if next := strings.Index(item[1:], "\n"+string(rune('1'+i+1))+". "); next >= 0 {
			item = item[:next+1]
		}
		if !strings.Contains(item, "```sh") {
			t.Errorf("%s: check %d has no command", a.ID, i+1)
		}
	}
	if strings.TrimSpace(body[recover+len("**Recover.**"):]) == "" {
		t.Errorf("%s: empty recovery", a.ID)
	}
}

// Alarm commands name this stack only: the per-stack helpers, never a
// literal stack name.
func TestRunbookCommandsTargetTheStack(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), runbookPath))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`periskope-bridge-(dev|staging|prod)\b`).FindString(string(data)); m != "" {
		t.Errorf("the runbook names stack %s; use $STACK", m)
	}
}

// make logs/ticket/tickets ENV=<env> (deploy/ops.mk) and the runbook's
// STACK name the stack periskope-bridge-<env>: it must be the stack
// samconfig.toml deploys.
func TestOpsStackNameIsSamconfigs(t *testing.T) {
	c := loadSamconfig(t)
	for _, env := range environments {
		section, _ := c.Config[env].(map[string]any)
		deploy, _ := section["deploy"].(map[string]any)
		params, _ := deploy["parameters"].(map[string]any)
		if got, want := params["stack_name"], "periskope-bridge-"+env; got != want {
			t.Errorf("[%s.deploy.parameters] stack_name = %v, but deploy/ops.mk and docs/runbook.md use %s", env, got, want)
		}
	}
}
