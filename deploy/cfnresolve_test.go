package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cfnScope resolves the intrinsic functions of an IAM policy the way
// CloudFormation would for one deployed stack: pseudo parameters, parameter
// values, and Ref / Fn::GetAtt of the stack's resources (whose physical names
// and ARNs the caller gives). Anything it cannot resolve fails the test: a
// policy half resolved would be evaluated wrongly.
type cfnScope struct {
	pseudo map[string]string // AWS::AccountId, AWS::Region, AWS::Partition, AWS::StackName, ...
	params map[string]string
	refs   map[string]string // logical id -> Ref value
	attrs  map[string]string // "LogicalId.Attribute" -> Fn::GetAtt value
}

func newCFNScope(account, region, stackName string) *cfnScope {
	return &cfnScope{
		pseudo: map[string]string{
			"AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": "aws",
			"AWS::StackName": stackName, "AWS::URLSuffix": "amazonaws.com",
		},
		params: map[string]string{},
		refs:   map[string]string{},
		attrs:  map[string]string{},
	}
}

func (s *cfnScope) ref(t *testing.T, name string) string {
	t.Helper()
	for _, m := range []map[string]string{s.pseudo, s.params, s.refs} {
		if v, ok := m[name]; ok {
			return v
		}
	}
	t.Fatalf("no value for Ref %s", name)
	return ""
}

func (s *cfnScope) getAtt(t *testing.T, name string) string {
	t.Helper()
	v, ok := s.attrs[name]
	if !ok {
		t.Fatalf("no value for Fn::GetAtt %s", name)
	}
	return v
}

var subVariable = regexp.MustCompile(`\$\{([^}!]+)\}`)

// sub evaluates Fn::Sub's string form, with vars for its optional map.
func (s *cfnScope) sub(t *testing.T, text string, vars map[string]string) string {
	t.Helper()
	return subVariable.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		if strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::") {
			return s.getAtt(t, name)
		}
		return s.ref(t, name)
	})
}

// resolve returns v with Ref, Fn::Sub, Fn::GetAtt and Fn::Join evaluated.
func (s *cfnScope) resolve(t *testing.T, v any) any {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				switch fn {
				case "Ref":
					return s.ref(t, arg.(string))
				case "Fn::GetAtt":
					parts := stringList(arg)
					if len(parts) != 2 {
						t.Fatalf("Fn::GetAtt of %v", arg)
					}
					return s.getAtt(t, parts[0]+"."+parts[1])
				case "Fn::Sub":
					switch a := arg.(type) {
					case string:
						return s.sub(t, a, nil)
					case []any:
						vars := map[string]string{}
						for k, x := range asMap(t, a[1], "Fn::Sub variables") {
							vars[k] = fmt.Sprint(s.resolve(t, x))
						}
						return s.sub(t, a[0].(string), vars)
					}
					t.Fatalf("Fn::Sub of %v", arg)
				case "Fn::ToJsonString": // AWS::LanguageExtensions
					b, err := json.Marshal(s.resolve(t, arg))
					if err != nil {
						t.Fatalf("Fn::ToJsonString of %v: %v", arg, err)
					}
					return string(b)
				case "Fn::Join":
					a := asList(t, arg, "Fn::Join")
					var parts []string
					for _, x := range asList(t, s.resolve(t, a[1]), "Fn::Join list") {
						parts = append(parts, fmt.Sprint(x))
					}
					return strings.Join(parts, a[0].(string))
				}
				if strings.HasPrefix(fn, "Fn::") {
					t.Fatalf("unsupported intrinsic %s", fn)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = s.resolve(t, x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = s.resolve(t, x)
		}
		return out
	}
	return v
}

// expandForEach applies AWS::LanguageExtensions' Fn::ForEach to a template
// section (Resources or Outputs): each Fn::ForEach::<name> [Identifier,
// [values], {fragment}] becomes one copy of the fragment per value, with
// ${Identifier} (and &{Identifier}) replaced in keys and strings and
// {"Ref": Identifier} replaced by the value.
func expandForEach(t *testing.T, section map[string]any, scope *cfnScope) map[string]any {
	t.Helper()
	out := map[string]any{}
	for key, v := range section {
		if !strings.HasPrefix(key, "Fn::ForEach::") {
			out[key] = v
			continue
		}
		loop := asList(t, v, key)
		if len(loop) != 3 {
			t.Fatalf("%s: want [Identifier, [values], {fragment}]", key)
		}
		id := loop[0].(string)
		values := stringList(loop[1])
		if m, ok := loop[1].(map[string]any); ok {
			ref, ok := m["Ref"].(string)
			if !ok {
				t.Fatalf("%s loops over %v: want a list or a Ref to a CommaDelimitedList parameter", key, m)
			}
			values = strings.Split(scope.ref(t, ref), ",")
		}
		if len(values) == 0 {
			t.Fatalf("%s: no values to loop over in %v", key, loop[1])
		}
		for _, value := range values {
			for name, body := range asMap(t, loop[2], key+" fragment") {
				out[replaceIdentifier(name, id, value)] = substituteIdentifier(body, id, value)
			}
		}
	}
	return out
}

func replaceIdentifier(s, id, value string) string {
	return strings.NewReplacer("${"+id+"}", value, "&{"+id+"}", value).Replace(s)
}

func substituteIdentifier(v any, id, value string) any {
	switch v := v.(type) {
	case string:
		return replaceIdentifier(v, id, value)
	case map[string]any:
		if len(v) == 1 && v["Ref"] == id {
			return value
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[replaceIdentifier(k, id, value)] = substituteIdentifier(x, id, value)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = substituteIdentifier(x, id, value)
		}
		return out
	}
	return v
}

// pipeline is deploy/pipeline.yaml deployed in one account and region: its
// resources after Fn::ForEach, with every IAM role's and managed policy's
// intrinsics resolved.
type pipeline struct {
	resources map[string]map[string]any
	scope     *cfnScope
}

// deployPipeline expands pipeline.yaml for account and region with the
// parameter values params (the rest take their defaults).
func deployPipeline(t *testing.T, account, region string, params map[string]string) *pipeline {
	t.Helper()
	out, err := runTranslate(t, "parse", filepath.Join("deploy", "pipeline.yaml"))
	if err != nil {
		t.Fatalf("parsing deploy/pipeline.yaml: %v", err)
	}
	var tpl struct {
		Parameters map[string]struct {
			Default *string
		}
		Resources map[string]any
	}
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatal(err)
	}
	scope := newCFNScope(account, region, "periskope-bridge-pipeline")
	for name, p := range tpl.Parameters {
		if p.Default != nil {
			scope.params[name] = *p.Default
		}
	}
	maps.Copy(scope.params, params)

	p := &pipeline{resources: map[string]map[string]any{}, scope: scope}
	expanded := expandForEach(t, tpl.Resources, scope)
	// Physical names and ARNs first: policies refer to each other's.
	for id, r := range expanded {
		res := asMap(t, r, id)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::IAM::Role":
			name := fmt.Sprint(scope.resolve(t, props["RoleName"]))
			scope.refs[id] = name
			scope.attrs[id+".Arn"] = "arn:aws:iam::" + account + ":role/" + name
		case "AWS::IAM::ManagedPolicy":
			name := fmt.Sprint(scope.resolve(t, props["ManagedPolicyName"]))
			scope.refs[id] = "arn:aws:iam::" + account + ":policy/" + name
			scope.attrs[id+".PolicyArn"] = scope.refs[id]
		case "AWS::IAM::OIDCProvider":
			scope.refs[id] = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
		}
	}
	for id, r := range expanded {
		res := asMap(t, r, id)
		switch res["Type"] {
		case "AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::Logs::ResourcePolicy":
			p.resources[id] = asMap(t, scope.resolve(t, res), id)
		default:
			p.resources[id] = res
		}
	}
	return p
}

// role returns the resolved resource of the role named roleName, or nil.
func (p *pipeline) role(roleName string) map[string]any {
	for _, r := range p.resources {
		if r["Type"] != "AWS::IAM::Role" {
			continue
		}
		if props, ok := r["Properties"].(map[string]any); ok && props["RoleName"] == roleName {
			return r
		}
	}
	return nil
}

// logsResourcePolicy returns the policy document, decoded, of the
// CloudWatch Logs resource policy named name, or nil.
func (p *pipeline) logsResourcePolicy(t *testing.T, name string) map[string]any {
	t.Helper()
	for id, r := range p.resources {
		if r["Type"] != "AWS::Logs::ResourcePolicy" {
			continue
		}
		props := asMap(t, r["Properties"], id+".Properties")
		if props["PolicyName"] != name {
			continue
		}
		doc, ok := props["PolicyDocument"].(string)
		if !ok {
			t.Fatalf("%s: PolicyDocument is %T, want the JSON string CloudFormation takes", id, props["PolicyDocument"])
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(doc), &out); err != nil {
			t.Fatalf("%s: PolicyDocument is not JSON: %v", id, err)
		}
		return out
	}
	return nil
}

// managedPolicy returns the resolved policy document of the managed policy
// named name, or nil.
func (p *pipeline) managedPolicy(name string) map[string]any {
	for _, r := range p.resources {
		if r["Type"] != "AWS::IAM::ManagedPolicy" {
			continue
		}
		if props, ok := r["Properties"].(map[string]any); ok && props["ManagedPolicyName"] == name {
			doc, _ := props["PolicyDocument"].(map[string]any)
			return doc
		}
	}
	return nil
}

// inlinePolicies are a resolved role's Policies as the simulator takes them.
func inlinePolicies(t *testing.T, role map[string]any) []namedPolicy {
	t.Helper()
	var out []namedPolicy
	for _, p := range asSlice(asMap(t, role["Properties"], "role Properties")["Policies"]) {
		pm := asMap(t, p, "inline policy")
		out = append(out, namedPolicy{Name: fmt.Sprint(pm["PolicyName"]), Policy: pm["PolicyDocument"]})
	}
	return out
}
