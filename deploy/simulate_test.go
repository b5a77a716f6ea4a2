package deploy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The account, region and repository the IAM cases deploy pipeline.yaml and
// template.yaml into: one account holding every environment, the setup in
// which a dev role could reach prod at all.
const (
	simAccount = "111111111111"
	simRegion  = "eu-west-1"
	simRepo    = "periskope-connect/periskope-aws"
	simPrefix  = "periskope-bridge"
	// SAM's managed artifacts bucket (resolve_s3), created once per account.
	simArtifactsBucket = "aws-sam-cli-managed-default-samclisourcebucket-1a2b3c4d5e6f"
	oidcProvider       = "token.actions.githubusercontent.com"
)

// simEnv names the resources of one environment's stack as CloudFormation
// would in simAccount: <stack>-<LogicalId>-<suffix> for functions, tables
// and roles, <LogicalId>-<suffix> for secrets, a generated API id.
type simEnv struct{ name string }

func (e simEnv) stackName() string { return simPrefix + "-" + e.name }
func (e simEnv) stackARN() string {
	return "arn:aws:cloudformation:" + simRegion + ":" + simAccount + ":stack/" + e.stackName() + "/3f1c2d40-7a1b-11ef-8c99-0a1b2c3d4e5f"
}
func (e simEnv) deployRole() string    { return simPrefix + "-deploy-" + e.name }
func (e simEnv) executionRole() string { return simPrefix + "-cfn-exec-" + e.name }
func (e simEnv) boundaryName() string  { return e.stackName() + "-function-boundary" }
func (e simEnv) boundaryARN() string {
	return "arn:aws:iam::" + simAccount + ":policy/" + e.boundaryName()
}
func (e simEnv) functionRole(logicalID string) string {
	return e.stackName() + "-" + logicalID + "-" + e.suffix()
}
func (e simEnv) functionARN() string {
	return "arn:aws:lambda:" + simRegion + ":" + simAccount + ":function:" + e.stackName() + "-CreateTicketFunction-" + e.suffix()
}
func (e simEnv) tableName() string {
	return e.stackName() + "-TicketsTable-" + strings.ToUpper(e.suffix())
}
func (e simEnv) tableARN() string {
	return "arn:aws:dynamodb:" + simRegion + ":" + simAccount + ":table/" + e.tableName()
}
func (e simEnv) secretARN(logicalID string) string {
	return "arn:aws:secretsmanager:" + simRegion + ":" + simAccount + ":secret:" + logicalID + "-" + e.suffix() + "-AbC123"
}
func (e simEnv) apiKeySecret() string     { return e.secretARN("PeriskopeApiKeySecret") }
func (e simEnv) signingKeySecret() string { return e.secretARN("PeriskopeSigningKeySecret") }
func (e simEnv) apiID() string            { return e.name[:1] + "1a2b3c4d5" }
func (e simEnv) apiARN(path string) string {
	return "arn:aws:apigateway:" + simRegion + "::/apis/" + e.apiID() + path
}
func (e simEnv) apiTagsARN() string {
	return "arn:aws:apigateway:" + simRegion + "::/tags/" + strings.ReplaceAll(e.apiARN(""), "/", "%2F")
}
func (e simEnv) invokeARN() string {
	return "arn:aws:execute-api:" + simRegion + ":" + simAccount + ":" + e.apiID() + "/" + e.name + "/POST/tickets"
}
func (e simEnv) artifact() string {
	return "arn:aws:s3:::" + simArtifactsBucket + "/" + e.stackName() + "/0123456789abcdef0123456789abcdef"
}
func (e simEnv) logGroupARN(fn string) string {
	return "arn:aws:logs:" + simRegion + ":" + simAccount + ":log-group:/aws/lambda/" + e.stackName() + "/" + fn
}
func (e simEnv) alarmARN() string {
	return "arn:aws:cloudwatch:" + simRegion + ":" + simAccount + ":alarm:" + e.stackName() + "-api-5xx"
}

// suffix is the random part CloudFormation adds to generated names.
func (e simEnv) suffix() string {
	return map[string]string{"dev": "d3vSuff1xAbc", "staging": "st4gSuff1xAb", "prod": "pr0dSuff1xAb"}[e.name]
}

func roleARN(name string) string { return "arn:aws:iam::" + simAccount + ":role/" + name }

// principal is who makes a request: a role's ARN, its identity policies and
// the permissions boundary it carries, if any.
type principal struct {
	what     string
	arn      string
	policies []namedPolicy
	boundary []namedPolicy
}

// request builds a case for p.
func (p principal) request(allow bool, what, action, resource string, context map[string]any) simCase {
	return simCase{
		Name: p.what + ": " + what, Principal: p.arn, Action: action, Resource: resource, AccountID: simAccount,
		Context: context, IdentityPolicies: p.policies, PermissionBoundaries: p.boundary, Allow: allow,
	}
}

var administratorAccess = namedPolicy{Name: "AdministratorAccess", Policy: map[string]any{
	"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}},
}}

const administratorAccessARN = "arn:aws:iam::aws:policy/AdministratorAccess"

// Why some requests are evaluated without the simulator's input checks
// (simulate.mjs): its data, AWS's service reference, lacks them.
const (
	oidcClaimsUnlisted = "the service reference does not list an OIDC provider's aud and sub claims for sts:AssumeRoleWithWebIdentity"
	httpAPIUnlisted    = "API Gateway V2 shares the apigateway prefix with V1, and the data lists only V1's resource types for the HTTP verbs"
	transformUnlisted  = "the data lists only the stack as CreateChangeSet's resource, not the transform ARN AWS also authorizes"
)

// unvalidated marks c as evaluated without the simulator's input checks.
func unvalidated(c simCase, because string) simCase {
	c.UnvalidatedBecause = because
	return c
}

// attackers are what a dev (or staging) deploy holds: the deploy role, the
// execution role it can pass, and any role the execution role can create
// (at worst with AdministratorAccess attached, within the boundary).
func attackers(t *testing.T, p *pipeline, env simEnv) []principal {
	t.Helper()
	var out []principal
	deploy := p.role(env.deployRole())
	if deploy == nil {
		t.Fatalf("pipeline.yaml has no role %s", env.deployRole())
	}
	out = append(out, principal{what: "deploy role " + env.name, arn: roleARN(env.deployRole()), policies: inlinePolicies(t, deploy)})
	if exec := p.role(env.executionRole()); exec != nil {
		out = append(out, principal{what: "execution role " + env.name, arn: roleARN(env.executionRole()), policies: inlinePolicies(t, exec)})
	} else {
		t.Errorf("pipeline.yaml has no CloudFormation execution role %s for the %s deploy role to pass", env.executionRole(), env.name)
	}
	if boundary := p.managedPolicy(env.boundaryName()); boundary != nil {
		out = append(out, principal{
			what: "admin role within " + env.name + "'s boundary", arn: roleARN(env.functionRole("Escalated")),
			policies: []namedPolicy{administratorAccess},
			boundary: []namedPolicy{{Name: env.boundaryName(), Policy: boundary}},
		})
	} else {
		t.Errorf("pipeline.yaml has no permissions boundary %s for the roles %s's stack creates", env.boundaryName(), env.name)
	}
	return out
}

// escalations are the attacks of issue 18 §1 by a principal of env against
// victim's resources (and against env's own guard rails), every one of which
// must be denied.
func escalations(a principal, env, victim simEnv) []simCase {
	deny := func(what, action, resource string, context map[string]any) simCase {
		return a.request(false, what+" ("+victim.name+")", action, resource, context)
	}
	tagTo := func(tag string) map[string]any {
		return map[string]any{"aws:RequestTag/environment": tag, "aws:TagKeys": []string{"environment"}}
	}
	victimTag := map[string]any{"aws:ResourceTag/environment": victim.name}
	cases := []simCase{
		// IAM: a role without the boundary, an admin policy, another boundary.
		deny("CreateRole in its own name space without a boundary", "iam:CreateRole", roleARN(env.functionRole("Admin")), nil),
		deny("CreateRole in its own name space with another environment's boundary", "iam:CreateRole", roleARN(env.functionRole("Admin")),
			map[string]any{"iam:PermissionsBoundary": victim.boundaryARN()}),
		deny("CreateRole in the victim's name space", "iam:CreateRole", roleARN(victim.functionRole("Admin")), nil),
		deny("AttachRolePolicy AdministratorAccess to its own function role", "iam:AttachRolePolicy", roleARN(env.functionRole("CreateTicketFunctionRole")),
			map[string]any{"iam:PolicyARN": administratorAccessARN, "iam:PermissionsBoundary": env.boundaryARN()}),
		deny("AttachRolePolicy AdministratorAccess to a role without a boundary", "iam:AttachRolePolicy", roleARN(env.functionRole("Admin")),
			map[string]any{"iam:PolicyARN": administratorAccessARN}),
		deny("AttachRolePolicy AdministratorAccess to the victim's function role", "iam:AttachRolePolicy", roleARN(victim.functionRole("CreateTicketFunctionRole")),
			map[string]any{"iam:PolicyARN": administratorAccessARN, "iam:PermissionsBoundary": victim.boundaryARN()}),
		deny("PutRolePolicy on a role without a boundary", "iam:PutRolePolicy", roleARN(env.functionRole("Admin")), nil),
		deny("PutRolePolicy on the victim's function role", "iam:PutRolePolicy", roleARN(victim.functionRole("CreateTicketFunctionRole")),
			map[string]any{"iam:PermissionsBoundary": victim.boundaryARN()}),
		deny("DeleteRolePermissionsBoundary of its own function role", "iam:DeleteRolePermissionsBoundary", roleARN(env.functionRole("CreateTicketFunctionRole")),
			map[string]any{"iam:PermissionsBoundary": env.boundaryARN()}),
		deny("PutRolePermissionsBoundary swapping its own function role's boundary", "iam:PutRolePermissionsBoundary", roleARN(env.functionRole("CreateTicketFunctionRole")),
			map[string]any{"iam:PermissionsBoundary": "arn:aws:iam::" + simAccount + ":policy/wide-open"}),
		deny("CreatePolicyVersion of its own boundary", "iam:CreatePolicyVersion", env.boundaryARN(), nil),
		deny("PassRole of the victim's execution role", "iam:PassRole", roleARN(victim.executionRole()),
			map[string]any{"iam:PassedToService": "cloudformation.amazonaws.com"}),
		// API Gateway: the victim's API and its routes.
		unvalidated(deny("apigateway PATCH of the victim's API", "apigateway:PATCH", victim.apiARN(""), victimTag), httpAPIUnlisted),
		unvalidated(deny("apigateway PATCH of the victim's POST /tickets route", "apigateway:PATCH", victim.apiARN("/routes/r0ute1"), victimTag), httpAPIUnlisted),
		unvalidated(deny("apigateway DELETE of the victim's API", "apigateway:DELETE", victim.apiARN(""), victimTag), httpAPIUnlisted),
		unvalidated(deny("apigateway POST of tags moving the victim's API to its environment", "apigateway:POST",
			victim.apiTagsARN(), mergeContext(victimTag, tagTo(env.name))), httpAPIUnlisted),
		unvalidated(deny("apigateway PUT of the victim's API (reimport)", "apigateway:PUT", victim.apiARN(""), victimTag), httpAPIUnlisted),
		// Secrets Manager: move the victim's secrets by tag, then use them.
		deny("TagResource of the victim's API key to its environment", "secretsmanager:TagResource", victim.apiKeySecret(),
			mergeContext(victimTag, tagTo(env.name))),
		deny("TagResource of the victim's signing key to its environment", "secretsmanager:TagResource", victim.signingKeySecret(),
			mergeContext(victimTag, tagTo(env.name))),
		deny("TagResource of an untagged secret an operator made", "secretsmanager:TagResource",
			"arn:aws:secretsmanager:"+simRegion+":"+simAccount+":secret:"+victim.name+"/periskope-api-key-XyZ789", tagTo(env.name)),
		deny("UntagResource of the environment tag of its own secret", "secretsmanager:UntagResource", env.apiKeySecret(),
			map[string]any{"aws:ResourceTag/environment": env.name, "aws:TagKeys": []string{"environment"}}),
		deny("GetSecretValue of the victim's API key", "secretsmanager:GetSecretValue", victim.apiKeySecret(), victimTag),
		deny("PutSecretValue of the victim's API key", "secretsmanager:PutSecretValue", victim.apiKeySecret(), victimTag),
		deny("DeleteSecret of the victim's API key", "secretsmanager:DeleteSecret", victim.apiKeySecret(), victimTag),
		deny("GetSecretValue of the victim's signing key", "secretsmanager:GetSecretValue", victim.signingKeySecret(), victimTag),
		// The artifacts bucket.
		deny("PutBucketPolicy of the artifacts bucket", "s3:PutBucketPolicy", "arn:aws:s3:::"+simArtifactsBucket, nil),
		deny("PutObject into the victim's artifact prefix", "s3:PutObject", victim.artifact(), map[string]any{"s3:ResourceAccount": simAccount}),
		// The victim's stack and resources.
		deny("CreateChangeSet on the victim's stack", "cloudformation:CreateChangeSet", victim.stackARN(),
			map[string]any{"cloudformation:RoleArn": roleARN(victim.executionRole())}),
		deny("ExecuteChangeSet on the victim's stack", "cloudformation:ExecuteChangeSet", victim.stackARN(), nil),
		deny("DeleteStack of the victim's stack", "cloudformation:DeleteStack", victim.stackARN(), nil),
		deny("UpdateStack of the victim's stack", "cloudformation:UpdateStack", victim.stackARN(), nil),
		deny("UpdateFunctionCode of the victim's function", "lambda:UpdateFunctionCode", victim.functionARN(), nil),
		deny("UpdateFunctionConfiguration of the victim's function", "lambda:UpdateFunctionConfiguration", victim.functionARN(), nil),
		deny("PutItem into the victim's table", "dynamodb:PutItem", victim.tableARN(), nil),
		deny("DeleteTable of the victim's table", "dynamodb:DeleteTable", victim.tableARN(), nil),
		deny("DeleteLogGroup of the victim's function logs", "logs:DeleteLogGroup", victim.logGroupARN("create-ticket"), nil),
		deny("DeleteAlarms of the victim's alarm", "cloudwatch:DeleteAlarms", victim.alarmARN(), nil),
		deny("UpdateSecret (SecretString: a new value) of the victim's API key", "secretsmanager:UpdateSecret", victim.apiKeySecret(), victimTag),
		// An API without an environment tag: the victim's, if it ever lost
		// it, or another application's. Tagged to this environment it would
		// be this environment's to change or delete.
		unvalidated(deny("apigateway POST of tags moving the victim's untagged API to its environment", "apigateway:POST",
			victim.apiTagsARN(), tagTo(env.name)), httpAPIUnlisted),
		unvalidated(deny("apigateway POST of tags moving another application's untagged API to its environment", "apigateway:POST",
			otherAppAPITagsARN, tagTo(env.name)), httpAPIUnlisted),
		// Log deliveries and the logs resource policy take no resource ARN:
		// whoever may change or delete one may change or delete the
		// victim's API access-log delivery, or the account's policy that
		// lets deliveries write.
		deny("DeleteLogDelivery (the victim's API access-log delivery)", "logs:DeleteLogDelivery", "*", nil),
		deny("UpdateLogDelivery (the victim's API access-log delivery)", "logs:UpdateLogDelivery", "*", nil),
		deny("PutResourcePolicy (the account's logs resource policy)", "logs:PutResourcePolicy", "*", nil),
		deny("DeleteResourcePolicy (the account's logs resource policy)", "logs:DeleteResourcePolicy", "*", nil),
	}
	return cases
}

// otherAppAPITagsARN is the tags resource of an HTTP API of another
// application in simAccount, which carries no environment tag.
var otherAppAPITagsARN = "arn:aws:apigateway:" + simRegion + "::/tags/" +
	strings.ReplaceAll("arn:aws:apigateway:"+simRegion+"::/apis/other1a2b3", "/", "%2F")

func mergeContext(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// templateRole is one IAM role of template.yaml's stack as SAM generates it.
type templateRole struct {
	logicalID       string
	boundary        string
	managedPolicies []string
	inline          []namedPolicy
}

// deployedTemplate expands template.yaml with env's samconfig.toml overrides
// and returns it with a scope resolving its intrinsics in simAccount.
func deployedTemplate(t *testing.T, env simEnv) (*stack, *cfnScope) {
	t.Helper()
	var overrides []string
	for k, v := range loadSamconfig(t).ParameterOverrides[env.name] {
		overrides = append(overrides, k+"="+v)
	}
	sort.Strings(overrides)
	s := expand(t, overrides...)
	scope := newCFNScope(simAccount, simRegion, env.stackName())
	scope.params = s.Parameters
	scope.refs["TicketsTable"] = env.tableName()
	scope.attrs["TicketsTable.Arn"] = env.tableARN()
	scope.refs["PeriskopeApiKeySecret"] = env.apiKeySecret()
	scope.refs["PeriskopeSigningKeySecret"] = env.signingKeySecret()
	return s, scope
}

// templateAPITags are the tags env's HTTP API is born with, as request
// context of a later call on it: those SAM writes into the OpenAPI body
// (x-amazon-apigateway-tag-value), which API Gateway applies on import.
func templateAPITags(t *testing.T, env simEnv) map[string]any {
	t.Helper()
	s, scope := deployedTemplate(t, env)
	tags := map[string]any{}
	for _, id := range s.ofType(t, "AWS::ApiGatewayV2::Api") {
		body, _ := s.props(t, id, "AWS::ApiGatewayV2::Api")["Body"].(map[string]any)
		for _, tag := range asSlice(body["tags"]) {
			tm := asMap(t, scope.resolve(t, tag), id+" tag")
			if v, ok := tm["x-amazon-apigateway-tag-value"].(string); ok {
				tags["aws:ResourceTag/"+fmt.Sprint(tm["name"])] = v
			}
		}
	}
	return tags
}

// templateAccessLogGroupARN is the ARN of env's HTTP API access log group.
func templateAccessLogGroupARN(t *testing.T, env simEnv) string {
	t.Helper()
	s, scope := deployedTemplate(t, env)
	name, ok := scope.resolve(t, s.props(t, "ApiAccessLogGroup", "AWS::Logs::LogGroup")["LogGroupName"]).(string)
	if !ok {
		t.Fatal("template.yaml's ApiAccessLogGroup has no LogGroupName")
	}
	return "arn:aws:logs:" + simRegion + ":" + simAccount + ":log-group:" + name
}

// templateRoles expands template.yaml with env's samconfig.toml overrides in
// simAccount and returns its roles with every intrinsic resolved.
func templateRoles(t *testing.T, env simEnv) []templateRole {
	t.Helper()
	s, scope := deployedTemplate(t, env)
	var roles []templateRole
	for _, id := range s.ofType(t, "AWS::IAM::Role") {
		props := asMap(t, scope.resolve(t, s.props(t, id, "AWS::IAM::Role")), id)
		r := templateRole{logicalID: id, managedPolicies: stringList(props["ManagedPolicyArns"])}
		r.boundary, _ = props["PermissionsBoundary"].(string)
		for _, p := range asSlice(props["Policies"]) {
			pm := asMap(t, p, id+" policy")
			r.inline = append(r.inline, namedPolicy{Name: fmt.Sprint(pm["PolicyName"]), Policy: pm["PolicyDocument"]})
		}
		roles = append(roles, r)
	}
	if len(roles) == 0 {
		t.Fatal("template.yaml makes no IAM role")
	}
	return roles
}

// deployCalls are the calls of `sam deploy --config-env dev` and `make smoke
// ENV=dev`, each by the principal that makes it, every one of which must be
// allowed: the deploy role starts and follows the change set and uploads
// artifacts; CloudFormation, as the execution role, creates what the
// expanded template.yaml declares; the functions, as the roles it creates,
// do their work within the boundary.
func deployCalls(t *testing.T, p *pipeline, env simEnv) []simCase {
	t.Helper()
	deployRole := p.role(env.deployRole())
	if deployRole == nil {
		t.Fatalf("pipeline.yaml has no role %s", env.deployRole())
	}
	deployer := principal{what: "deploy role " + env.name, arn: roleARN(env.deployRole()), policies: inlinePolicies(t, deployRole)}
	own := map[string]any{"aws:ResourceTag/environment": env.name}
	allow := func(p principal, what, action, resource string, context map[string]any) simCase {
		return p.request(true, what, action, resource, context)
	}
	cases := []simCase{
		allow(deployer, "sam deploy: DescribeStacks of the managed artifacts stack", "cloudformation:DescribeStacks",
			"arn:aws:cloudformation:"+simRegion+":"+simAccount+":stack/aws-sam-cli-managed-default/0a1b2c3d-7a1b-11ef-8c99-0a1b2c3d4e5f", nil),
		allow(deployer, "sam deploy: GetObject (is the artifact there?)", "s3:GetObject", env.artifact(), map[string]any{"s3:ResourceAccount": simAccount}),
		allow(deployer, "sam deploy: PutObject of an artifact", "s3:PutObject", env.artifact(), map[string]any{"s3:ResourceAccount": simAccount}),
		allow(deployer, "sam deploy: DescribeStacks of its stack", "cloudformation:DescribeStacks", env.stackARN(), nil),
		allow(deployer, "sam deploy: CreateChangeSet run by its execution role", "cloudformation:CreateChangeSet", env.stackARN(),
			map[string]any{"cloudformation:RoleArn": roleARN(env.executionRole())}),
		unvalidated(allow(deployer, "sam deploy: CreateChangeSet through the SAM transform", "cloudformation:CreateChangeSet",
			"arn:aws:cloudformation:"+simRegion+":aws:transform/Serverless-2016-10-31", nil), transformUnlisted),
		unvalidated(allow(deployer, "sam deploy: CreateChangeSet through AWS::LanguageExtensions", "cloudformation:CreateChangeSet",
			"arn:aws:cloudformation:"+simRegion+":aws:transform/LanguageExtensions", nil), transformUnlisted),
		allow(deployer, "sam deploy: PassRole of its execution role to CloudFormation", "iam:PassRole", roleARN(env.executionRole()),
			map[string]any{"iam:PassedToService": "cloudformation.amazonaws.com"}),
		allow(deployer, "sam deploy: DescribeChangeSet", "cloudformation:DescribeChangeSet", env.stackARN(), nil),
		allow(deployer, "sam deploy: ExecuteChangeSet", "cloudformation:ExecuteChangeSet", env.stackARN(), nil),
		allow(deployer, "sam deploy: DescribeStackEvents", "cloudformation:DescribeStackEvents", env.stackARN(), nil),
		allow(deployer, "make smoke: GetSecretValue of the signing key", "secretsmanager:GetSecretValue", env.signingKeySecret(), own),
		// What the deploy role must not do even in its own environment.
		deployer.request(false, "CreateChangeSet without the execution role (it would run with the deploy role's rights)",
			"cloudformation:CreateChangeSet", env.stackARN(), nil),
		deployer.request(false, "GetSecretValue of its own API key (the smoke test never reads it)", "secretsmanager:GetSecretValue", env.apiKeySecret(), own),
		deployer.request(false, "CreateRole itself", "iam:CreateRole", roleARN(env.functionRole("Admin")),
			map[string]any{"iam:PermissionsBoundary": env.boundaryARN()}),
		deployer.request(false, "UpdateFunctionCode itself", "lambda:UpdateFunctionCode", env.functionARN(), nil),
	}
	if exec := p.role(env.executionRole()); exec != nil {
		cases = append(cases, principal{what: "deploy role " + env.name, arn: roleARN(env.deployRole()), policies: inlinePolicies(t, deployRole)}.request(
			false, "AssumeRole of its execution role (only CloudFormation may)", "sts:AssumeRole", roleARN(env.executionRole()), nil))
		cases[len(cases)-1].ResourcePolicy = asMap(t, exec["Properties"], "execution role")["AssumeRolePolicyDocument"]
		cases = append(cases, executionCalls(t, principal{what: "execution role " + env.name, arn: roleARN(env.executionRole()), policies: inlinePolicies(t, exec)}, env)...)
	}
	if boundary := p.managedPolicy(env.boundaryName()); boundary != nil {
		cases = append(cases, functionCalls(t, env, namedPolicy{Name: env.boundaryName(), Policy: boundary})...)
	}
	return cases
}

// executionCalls are what CloudFormation does as exec for template.yaml's
// stack of env: the roles SAM generates (with the template's boundary and
// managed policies), the functions, table, log groups, alarms, dashboard,
// API and secrets.
func executionCalls(t *testing.T, exec principal, env simEnv) []simCase {
	t.Helper()
	own := map[string]any{"aws:ResourceTag/environment": env.name}
	stackTags := map[string]any{"aws:RequestTag/environment": env.name, "aws:TagKeys": []string{"project", "environment"}}
	allow := func(what, action, resource string, context map[string]any) simCase {
		return exec.request(true, what, action, resource, context)
	}
	var cases []simCase
	for _, r := range templateRoles(t, env) {
		role := roleARN(env.functionRole(r.logicalID))
		if r.boundary != env.boundaryARN() {
			t.Errorf("template.yaml's %s carries the boundary %q with %s's samconfig.toml, want %s", r.logicalID, r.boundary, env.name, env.boundaryARN())
		}
		withBoundary := map[string]any{"iam:PermissionsBoundary": r.boundary}
		cases = append(cases,
			allow("CreateRole "+r.logicalID, "iam:CreateRole", role, withBoundary),
			allow("PutRolePolicy on "+r.logicalID, "iam:PutRolePolicy", role, withBoundary),
			allow("PutRolePermissionsBoundary of "+r.logicalID+" (a stack deployed before the boundary)", "iam:PutRolePermissionsBoundary", role, withBoundary),
			allow("TagRole "+r.logicalID, "iam:TagRole", role, nil),
			allow("GetRole "+r.logicalID, "iam:GetRole", role, nil),
			allow("PassRole "+r.logicalID+" to Lambda", "iam:PassRole", role, map[string]any{"iam:PassedToService": "lambda.amazonaws.com"}),
		)
		for _, arn := range r.managedPolicies {
			cases = append(cases, allow("AttachRolePolicy "+arn+" to "+r.logicalID, "iam:AttachRolePolicy", role,
				mergeContext(withBoundary, map[string]any{"iam:PolicyARN": arn})))
		}
	}
	cases = append(cases,
		allow("CreateFunction", "lambda:CreateFunction", env.functionARN(), nil),
		allow("UpdateFunctionCode", "lambda:UpdateFunctionCode", env.functionARN(), nil),
		allow("AddPermission (API Gateway invokes)", "lambda:AddPermission", env.functionARN(), nil),
		allow("GetObject of the function code", "s3:GetObject", env.artifact(), map[string]any{"s3:ResourceAccount": simAccount}),
		allow("CreateTable", "dynamodb:CreateTable", env.tableARN(), nil),
		allow("UpdateTimeToLive", "dynamodb:UpdateTimeToLive", env.tableARN(), nil),
		allow("CreateLogGroup", "logs:CreateLogGroup", env.logGroupARN("create-ticket"), nil),
		allow("PutMetricAlarm", "cloudwatch:PutMetricAlarm", env.alarmARN(), nil),
		allow("PutDashboard", "cloudwatch:PutDashboard", "arn:aws:cloudwatch::"+simAccount+":dashboard/"+env.stackName()+"-"+env.name, nil),
		unvalidated(allow("apigateway POST /apis tagged with its environment", "apigateway:POST", "arn:aws:apigateway:"+simRegion+"::/apis", stackTags), httpAPIUnlisted),
		unvalidated(allow("apigateway PUT /apis (import of the OpenAPI body)", "apigateway:PUT", "arn:aws:apigateway:"+simRegion+"::/apis", nil), httpAPIUnlisted),
		unvalidated(allow("apigateway POST of the stack's tags to the API it imported (born with template.yaml's tags)", "apigateway:POST", env.apiTagsARN(),
			mergeContext(templateAPITags(t, env), stackTags)), httpAPIUnlisted),
		unvalidated(allow("apigateway PATCH of its API", "apigateway:PATCH", env.apiARN(""), own), httpAPIUnlisted),
		unvalidated(allow("apigateway POST of a stage of its API", "apigateway:POST", env.apiARN("/stages"), own), httpAPIUnlisted),
		allow("CreateSecret tagged with its environment", "secretsmanager:CreateSecret", env.apiKeySecret(), stackTags),
		allow("TagResource of the secret it creates", "secretsmanager:TagResource", env.apiKeySecret(), stackTags),
		allow("DescribeSecret of its secret", "secretsmanager:DescribeSecret", env.signingKeySecret(), own),
		allow("DeleteSecret of its secret", "secretsmanager:DeleteSecret", env.signingKeySecret(), own),
		allow("UpdateSecret of its secret (a new Description)", "secretsmanager:UpdateSecret", env.apiKeySecret(), own),
		exec.request(false, "UpdateSecret of a secret an operator made in its environment (not the template's)", "secretsmanager:UpdateSecret",
			"arn:aws:secretsmanager:"+simRegion+":"+simAccount+":secret:"+env.name+"/periskope-api-key-XyZ789", own),
		// The stage's access logs: API Gateway creates the delivery with
		// CloudFormation's (this role's) rights.
		allow("DescribeLogGroups", "logs:DescribeLogGroups", "*", nil),
		allow("CreateLogDelivery of its stage's access logs", "logs:CreateLogDelivery", "*", nil),
		allow("GetLogDelivery", "logs:GetLogDelivery", "*", nil),
		allow("ListLogDeliveries", "logs:ListLogDeliveries", "*", nil),
		allow("DescribeResourcePolicies (is delivery into its access log group allowed?)", "logs:DescribeResourcePolicies", "*", nil),
		exec.request(false, "GetSecretValue of its own API key (CloudFormation never reads it)", "secretsmanager:GetSecretValue", env.apiKeySecret(), own),
		exec.request(false, "CreateSecret tagged with no environment", "secretsmanager:CreateSecret", env.apiKeySecret(),
			map[string]any{"aws:TagKeys": []string{"project"}, "aws:RequestTag/project": "x"}),
		unvalidated(exec.request(false, "apigateway POST /apis tagged with another environment", "apigateway:POST", "arn:aws:apigateway:"+simRegion+"::/apis",
			map[string]any{"aws:RequestTag/environment": "prod", "aws:TagKeys": []string{"environment"}}), httpAPIUnlisted),
	)
	return cases
}

// functionCalls are the deployed functions' own calls, each by its role from
// template.yaml within env's boundary: they still work, and even with
// AdministratorAccess attached they reach nothing of another environment.
func functionCalls(t *testing.T, env simEnv, boundary namedPolicy) []simCase {
	t.Helper()
	var cases []simCase
	for _, r := range templateRoles(t, env) {
		fn := principal{what: env.name + " " + r.logicalID, arn: roleARN(env.functionRole(r.logicalID)), policies: r.inline, boundary: []namedPolicy{boundary}}
		own := map[string]any{"aws:ResourceTag/environment": env.name}
		switch r.logicalID {
		case "CreateTicketFunctionRole":
			cases = append(cases,
				fn.request(true, "GetSecretValue of its API key", "secretsmanager:GetSecretValue", env.apiKeySecret(), own),
				fn.request(true, "PutItem of an idempotency record", "dynamodb:PutItem", env.tableARN(), map[string]any{"dynamodb:LeadingKeys": []string{"IDEMPOTENCY#abc"}}),
			)
		case "WebhookFunctionRole":
			cases = append(cases,
				fn.request(true, "GetSecretValue of its signing key", "secretsmanager:GetSecretValue", env.signingKeySecret(), own),
				fn.request(true, "PutItem of a ticket", "dynamodb:PutItem", env.tableARN(), map[string]any{"dynamodb:LeadingKeys": []string{"TICKET#org#t1"}}),
			)
		default:
			t.Errorf("template.yaml has a role %s this test does not know: add the calls its function makes", r.logicalID)
		}
	}
	return cases
}

// trustCases are GitHub OIDC tokens presented to each deploy role: only a
// job of deploy-env.yml on main, in the environment of the same name, of
// this repository, for STS, gets in.
func trustCases(t *testing.T, p *pipeline) []simCase {
	t.Helper()
	sub := func(repo, env, workflowRef string) string {
		return "repo:" + repo + ":environment:" + env + ":job_workflow_ref:" + repo + "/" + workflowRef
	}
	const deployEnv = ".github/workflows/deploy-env.yml@refs/heads/main"
	var cases []simCase
	for _, name := range environments {
		env := simEnv{name}
		role := p.role(env.deployRole())
		if role == nil {
			t.Fatalf("pipeline.yaml has no role %s", env.deployRole())
		}
		trust := asMap(t, role["Properties"], env.deployRole())["AssumeRolePolicyDocument"]
		token := func(allow bool, what, aud, sub string) simCase {
			return simCase{
				Name: "trust of " + env.deployRole() + ": " + what, Principal: "arn:aws:iam::" + simAccount + ":oidc-provider/" + oidcProvider,
				Action: "sts:AssumeRoleWithWebIdentity", Resource: roleARN(env.deployRole()), AccountID: simAccount,
				Context:        map[string]any{oidcProvider + ":aud": aud, oidcProvider + ":sub": sub},
				ResourcePolicy: trust, UnvalidatedBecause: oidcClaimsUnlisted, Allow: allow,
			}
		}
		other := "prod"
		if name == "prod" {
			other = "dev"
		}
		cases = append(cases,
			token(true, "deploy-env.yml on main in environment "+name, "sts.amazonaws.com", sub(simRepo, name, deployEnv)),
			token(false, "deploy-env.yml on main in environment "+other, "sts.amazonaws.com", sub(simRepo, other, deployEnv)),
			token(false, "another workflow in environment "+name, "sts.amazonaws.com", sub(simRepo, name, ".github/workflows/ci.yml@refs/heads/main")),
			token(false, "deploy-env.yml of another branch", "sts.amazonaws.com", sub(simRepo, name, ".github/workflows/deploy-env.yml@refs/heads/feature")),
			token(false, "deploy-env.yml of a pull request", "sts.amazonaws.com", sub(simRepo, name, ".github/workflows/deploy-env.yml@refs/pull/7/merge")),
			token(false, "another repository", "sts.amazonaws.com", sub("someone/fork", name, deployEnv)),
			token(false, "GitHub's default sub claim (no customization)", "sts.amazonaws.com", "repo:"+simRepo+":environment:"+name),
			token(false, "a token for another audience", "https://github.com/"+strings.Split(simRepo, "/")[0], sub(simRepo, name, deployEnv)),
		)
	}
	return cases
}

// Issue 18 §1: in one account holding dev, staging and prod, nothing a dev
// (or staging) deploy holds reaches another environment, no role escapes
// the boundary, and what `sam deploy --config-env dev` and `make smoke
// ENV=dev` call is allowed. Every decision is the IAM policy simulator's
// (@cloud-copilot/iam-simulate) on pipeline.yaml and template.yaml expanded
// for account 111111111111 in eu-west-1.
func TestPipelineIAMSimulation(t *testing.T) {
	p := deployPipeline(t, simAccount, simRegion, map[string]string{"GitHubRepository": simRepo})
	var cases []simCase
	for _, from := range []string{"dev", "staging"} {
		env := simEnv{from}
		for _, a := range attackers(t, p, env) {
			for _, victim := range environments {
				if victim == from || (from == "staging" && victim == "dev") {
					continue
				}
				cases = append(cases, escalations(a, env, simEnv{victim})...)
			}
		}
	}
	cases = append(cases, deployCalls(t, p, simEnv{"dev"})...)
	cases = append(cases, trustCases(t, p)...)
	allowed, denied := checkCases(t, cases)
	t.Logf("%d cases through the IAM policy simulator: %d allowed, %d denied, as wanted unless reported above", len(cases), allowed, denied)
}

// The account's logs resource policy of each environment, which the
// administrator makes with pipeline.yaml (so that no environment's role
// needs logs:PutResourcePolicy): API Gateway's log delivery may write that
// environment's access log group of template.yaml, for this account, and
// no other log group.
func TestAccessLogDeliveryWritesOnlyItsEnvironment(t *testing.T) {
	p := deployPipeline(t, simAccount, simRegion, map[string]string{"GitHubRepository": simRepo})
	const delivery = "delivery.logs.amazonaws.com"
	ownAccount := map[string]any{"aws:SourceAccount": simAccount, "aws:SourceArn": "arn:aws:logs:" + simRegion + ":" + simAccount + ":delivery-source:apigw"}
	var cases []simCase
	for _, name := range environments {
		env := simEnv{name}
		policyName := env.stackName() + "-api-access-logs"
		doc := p.logsResourcePolicy(t, policyName)
		if doc == nil {
			t.Errorf("pipeline.yaml has no logs resource policy %s: the %s stage's access-log delivery needs it", policyName, name)
			continue
		}
		write := func(allow bool, what, action, logGroupARN string, context map[string]any) simCase {
			return simCase{
				Name: policyName + ": " + what, Principal: delivery, Action: action, Resource: logGroupARN + ":log-stream:s1",
				AccountID: simAccount, Context: context, ResourcePolicy: doc, Allow: allow,
			}
		}
		own := templateAccessLogGroupARN(t, env)
		cases = append(cases,
			write(true, "CreateLogStream in its access log group", "logs:CreateLogStream", own, ownAccount),
			write(true, "PutLogEvents into its access log group", "logs:PutLogEvents", own, ownAccount),
			write(false, "PutLogEvents for another account's delivery", "logs:PutLogEvents", own,
				map[string]any{"aws:SourceAccount": "222222222222", "aws:SourceArn": "arn:aws:logs:" + simRegion + ":222222222222:delivery-source:apigw"}),
			write(false, "PutLogEvents into its functions' log group", "logs:PutLogEvents", env.logGroupARN("create-ticket"), ownAccount),
		)
		for _, other := range environments {
			if other != name {
				cases = append(cases, write(false, "PutLogEvents into "+other+"'s access log group", "logs:PutLogEvents",
					templateAccessLogGroupARN(t, simEnv{other}), ownAccount))
			}
		}
	}
	allowed, denied := checkCases(t, cases)
	t.Logf("%d cases through the IAM policy simulator: %d allowed, %d denied, as wanted unless reported above", len(cases), allowed, denied)
}

// The smoke test's execute-api:Invoke, for every deploy role: its own
// stage's POST /tickets only, not another environment's API. These are not
// simulator cases: iam-simulate 0.1.173 splits an execute-api ARN's
// resource at the first slash and treats the API id as a "product" segment
// that may hold no wildcard, so it never matches API Gateway's documented
// form arn:aws:execute-api:<region>:<account>:*/<stage>/<METHOD>/<path>
// (any API id: the id is generated) and would pass every denial vacuously.
// Here the statements are matched with IAM's Resource rules: the whole ARN,
// case-sensitive, * any run of characters (slashes included), ? one.
func TestDeployRoleInvokesOnlyItsOwnStage(t *testing.T) {
	p := deployPipeline(t, simAccount, simRegion, map[string]string{"GitHubRepository": simRepo})
	for _, name := range environments {
		env := simEnv{name}
		role := p.role(env.deployRole())
		if role == nil {
			t.Fatalf("pipeline.yaml has no role %s", env.deployRole())
		}
		invoke := func(resource string) bool {
			allowed := false
			for _, policy := range inlinePolicies(t, role) {
				for _, st := range asSlice(asMap(t, policy.Policy, policy.Name)["Statement"]) {
					s := asMap(t, st, "statement")
					if !slicesContainsGlob(stringList(s["Action"]), "execute-api:Invoke") || !slicesContainsGlob(stringList(s["Resource"]), resource) {
						continue
					}
					if s["Condition"] != nil {
						t.Fatalf("%s: statement %v conditions execute-api:Invoke: evaluate it with the simulator instead", env.deployRole(), s["Sid"])
					}
					if s["Effect"] == "Deny" {
						return false
					}
					allowed = true
				}
			}
			return allowed
		}
		if !invoke(env.invokeARN()) {
			t.Errorf("%s cannot invoke its own POST /tickets (%s): make smoke ENV=%s would fail", env.deployRole(), env.invokeARN(), name)
		}
		for _, other := range environments {
			if other == name {
				continue
			}
			if arn := (simEnv{other}).invokeARN(); invoke(arn) {
				t.Errorf("%s may invoke %s's POST /tickets (%s)", env.deployRole(), other, arn)
			}
		}
		for _, path := range []string{"/POST/webhooks/periskope", "/GET/tickets", "/POST/tickets/x"} {
			arn := "arn:aws:execute-api:" + simRegion + ":" + simAccount + ":" + env.apiID() + "/" + name + path
			if invoke(arn) {
				t.Errorf("%s may invoke %s, which the smoke test never signs", env.deployRole(), arn)
			}
		}
	}
}

// slicesContainsGlob reports whether any IAM pattern in patterns matches
// value: case-sensitive, * any run of characters, ? exactly one.
func slicesContainsGlob(patterns []string, value string) bool {
	for _, p := range patterns {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(value) {
			return true
		}
	}
	return false
}

// One AWS account per environment: pipeline.yaml deployed with
// Environments=prod makes prod's roles and boundary only, and prod's deploy
// role still passes only prod's execution role.
func TestPipelineInAnAccountOfItsOwn(t *testing.T) {
	p := deployPipeline(t, simAccount, simRegion, map[string]string{"GitHubRepository": simRepo, "Environments": "prod"})
	for _, name := range environments {
		env := simEnv{name}
		present := p.role(env.deployRole()) != nil && p.role(env.executionRole()) != nil && p.managedPolicy(env.boundaryName()) != nil
		if present != (name == "prod") {
			t.Errorf("with Environments=prod, the roles and boundary of %s exist: %v", name, present)
		}
	}
	prod := simEnv{"prod"}
	deployer := principal{what: "deploy role prod (own account)", arn: roleARN(prod.deployRole()), policies: inlinePolicies(t, p.role(prod.deployRole()))}
	checkCases(t, []simCase{
		deployer.request(true, "PassRole of its execution role", "iam:PassRole", roleARN(prod.executionRole()),
			map[string]any{"iam:PassedToService": "cloudformation.amazonaws.com"}),
		deployer.request(false, "PassRole of another role", "iam:PassRole", roleARN("periskope-bridge-cfn-exec-dev"),
			map[string]any{"iam:PassedToService": "cloudformation.amazonaws.com"}),
	})
}
