package deploy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// samconfig is samconfig.toml as translate.py prints it.
type samconfig struct {
	Config             map[string]any               `json:"config"`
	ParameterOverrides map[string]map[string]string `json:"parameter_overrides"`
}

func loadSamconfig(t *testing.T) samconfig {
	t.Helper()
	out, err := runTranslate(t, "samconfig", "samconfig.toml")
	if err != nil {
		t.Fatalf("reading samconfig.toml: %v", err)
	}
	var c samconfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("translate.py printed invalid JSON: %v", err)
	}
	return c
}

// environments are the --config-env values `make deploy ENV=...` accepts.
var environments = []string{"dev", "staging", "prod"}

func TestSamconfigEnvironments(t *testing.T) {
	c := loadSamconfig(t)
	if c.Config["version"] != 0.1 {
		t.Errorf("version = %v, want 0.1", c.Config["version"])
	}
	if _, ok := c.Config["default"]; !ok {
		t.Error("no [default] section: a bare `sam deploy` would have no settings")
	}

	stacks := map[string]string{}
	for _, env := range append([]string{"default"}, environments...) {
		t.Run(env, func(t *testing.T) {
			section := asMap(t, c.Config[env], "["+env+"]")
			deploy := asMap(t, dig(t, section, "deploy", "parameters"), env+".deploy.parameters")
			build := asMap(t, dig(t, section, "build", "parameters"), env+".build.parameters")
			if len(build) == 0 {
				t.Errorf("[%s.build.parameters] is empty", env)
			}
			for _, key := range []string{"stack_name", "parameter_overrides", "capabilities", "resolve_s3", "confirm_changeset"} {
				if _, ok := deploy[key]; !ok {
					t.Errorf("[%s.deploy.parameters] has no %s", env, key)
				}
			}
			if deploy["resolve_s3"] != true {
				t.Errorf("[%s] resolve_s3 = %v, want true (a fresh account has no artifact bucket)", env, deploy["resolve_s3"])
			}

			// CAPABILITY_IAM for the functions' roles; CAPABILITY_AUTO_EXPAND
			// because the template uses AWS::LanguageExtensions.
			capabilities := strings.Fields(deploy["capabilities"].(string))
			for _, want := range []string{"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"} {
				if !slices.Contains(capabilities, want) {
					t.Errorf("[%s] capabilities = %v, missing %s", env, capabilities, want)
				}
			}

			stageName := env
			if env == "default" {
				stageName = "dev"
			}
			wantConfirm := env == "prod"
			if deploy["confirm_changeset"] != wantConfirm {
				t.Errorf("[%s] confirm_changeset = %v, want %v", env, deploy["confirm_changeset"], wantConfirm)
			}
			stack, _ := deploy["stack_name"].(string)
			if !strings.HasSuffix(stack, "-"+stageName) {
				t.Errorf("[%s] stack_name = %q, want it to name the stage %s", env, stack, stageName)
			}
			if env != "default" {
				if other, ok := stacks[stack]; ok {
					t.Errorf("[%s] and [%s] deploy the same stack %q", env, other, stack)
				}
				stacks[stack] = env
			}

			overrides := c.ParameterOverrides[env]
			if overrides["StageName"] != stageName {
				t.Errorf("[%s] parameter_overrides StageName = %q, want %q", env, overrides["StageName"], stageName)
			}
			// CloudFormation must accept the overrides as they are.
			var params []string
			for key, value := range overrides {
				params = append(params, key+"="+value)
			}
			slices.Sort(params)
			s := expand(t, params...)
			if s.Conditions["IsProd"] != (stageName == "prod") {
				t.Errorf("[%s] IsProd = %v", env, s.Conditions["IsProd"])
			}
		})
	}
}
