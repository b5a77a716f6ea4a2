package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// SAM CLI never reuses a makefile build ("Cache is invalid" every time), and
// build_in_source (SAM CLI 1.104+) lets make reuse Go's build cache.
func TestSamconfigBuild(t *testing.T) {
	c := loadSamconfig(t)
	for _, env := range append([]string{"default"}, environments...) {
		build := asMap(t, dig(t, asMap(t, c.Config[env], env), "build", "parameters"), env+".build.parameters")
		if _, ok := build["cached"]; ok {
			t.Errorf("[%s.build.parameters] sets cached: it never takes effect for BuildMethod: makefile", env)
		}
		if build["build_in_source"] != true || build["parallel"] != true {
			t.Errorf("[%s.build.parameters] = %v, want build_in_source and parallel", env, build)
		}
	}
}

// sam local invoke / start-api with no flags run against the local system.
func TestSamconfigLocal(t *testing.T) {
	c := loadSamconfig(t)
	def := asMap(t, c.Config["default"], "default")
	for _, cmd := range []string{"local_invoke", "local_start_api"} {
		p := asMap(t, dig(t, def, cmd, "parameters"), "default."+cmd+".parameters")
		checkEnvVarsFile(t, cmd, p["env_vars"], "env/local.json")
		overrides := map[string]string{}
		for _, kv := range strings.Fields(p["parameter_overrides"].(string)) {
			k, v, _ := strings.Cut(kv, "=")
			overrides[k] = v
		}
		if overrides["PeriskopePhone"] != local.Phone {
			t.Errorf("[default.%s] PeriskopePhone = %q, want the local system's %s (create-ticket refuses to start without one)", cmd, overrides["PeriskopePhone"], local.Phone)
		}
		expand(t, "PeriskopePhone="+overrides["PeriskopePhone"]) // CloudFormation would take it
		hosts, _ := p["add_host"].([]any)
		if !slices.Contains(hosts, any("host.docker.internal:host-gateway")) {
			t.Errorf("[default.%s] add_host = %v, want host.docker.internal:host-gateway (env/local.json names that host)", cmd, p["add_host"])
		}
		if p["region"] != local.Region {
			t.Errorf("[default.%s] region = %v, want %s, where the local system keeps the table and secrets", cmd, p["region"], local.Region)
		}
		if p["skip_pull_image"] != true {
			t.Errorf("[default.%s] skip_pull_image = %v, want true", cmd, p["skip_pull_image"])
		}
	}
	api := asMap(t, dig(t, def, "local_start_api", "parameters"), "local_start_api")
	if port, _ := api["port"].(float64); port == 0 || int(port) == local.APIPort {
		t.Errorf("[default.local_start_api] port = %v, want one beside make run's %d", api["port"], local.APIPort)
	}
	dev := asMap(t, c.Config["dev"], "dev")
	for _, cmd := range []string{"local_invoke", "local_start_api"} {
		p := asMap(t, dig(t, dev, cmd, "parameters"), "dev."+cmd+".parameters")
		if p["env_vars"] != "env/dev.json" {
			t.Errorf("[dev.%s] env_vars = %v, want env/dev.json (make env-file ENV=dev)", cmd, p["env_vars"])
		}
	}
}

// checkEnvVarsFile checks that samconfig names want, and that want is an
// env-vars file SAM CLI reads: objects of strings, by "Parameters" or by a
// function of the template.
func checkEnvVarsFile(t *testing.T, cmd string, got any, want string) {
	t.Helper()
	if got != want {
		t.Errorf("[default.%s] env_vars = %v, want %s", cmd, got, want)
		return
	}
	data, err := os.ReadFile(filepath.Join(repoRoot(t), want))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v", want, err)
	}
	for key := range file {
		if key != "Parameters" && !slices.ContainsFunc(functions, func(f function) bool { return f.id == key }) {
			t.Errorf("%s: %q is neither Parameters nor a function of template.yaml", want, key)
		}
	}
}

// sam sync --watch watches the whole repository (CodeUri: .); SAM CLI
// ignores a changed path when ^.*ENTRY.*$ matches it.
func TestSamconfigSyncWatchExclude(t *testing.T) {
	c := loadSamconfig(t)
	clone := "/home/dev/test/bin/periskope-aws" // a clone under folders named test and bin
	ignored := []string{".git/index", ".git/refs/heads/main", "bin/local/periskope-local", "bin/webhook/bootstrap",
		"internal/webhook/handler_test.go", "internal/createticket/testdata/request.json", "test/faults/webhook_test.go"}
	watched := []string{"functions/webhook/main.go", "internal/webhook/handler.go", "go.mod", "go.sum", "Makefile",
		"deploy/deploy.mk", "pkg/periskope/client.go", "internal/dev/testkit/clock.go"}
	for _, env := range []string{"default", "dev"} {
		p := asMap(t, dig(t, asMap(t, c.Config[env], env), "sync", "parameters"), env+".sync.parameters")
		if p["build_in_source"] != true {
			t.Errorf("[%s.sync.parameters] build_in_source = %v, want true", env, p["build_in_source"])
		}
		excludes := asMap(t, p["watch_exclude"], env+" watch_exclude")
		for _, f := range functions {
			entries, _ := excludes[f.id].([]any)
			if len(entries) == 0 {
				t.Errorf("[%s.sync.parameters] watch_exclude has nothing for %s", env, f.id)
				continue
			}
			var res []*regexp.Regexp
			for _, e := range entries {
				res = append(res, regexp.MustCompile("^.*"+e.(string)+".*$"))
			}
			matches := func(path string) bool {
				return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(clone + "/" + path) })
			}
			for _, path := range ignored {
				if !matches(path) {
					t.Errorf("[%s] %s: a change to %s would trigger a sync", env, f.id, path)
				}
			}
			for _, path := range watched {
				if matches(path) {
					t.Errorf("[%s] %s: a change to %s would not trigger a sync", env, f.id, path)
				}
			}
		}
	}
}
