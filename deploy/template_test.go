package deploy

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/awsenv"
	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
)

// apiGatewayMaxTimeoutMillis is API Gateway's limit for an HTTP API integration.
const apiGatewayMaxTimeoutMillis = 30000

// periskopeRateLimit is the X-RateLimit-Limit Periskope's documented responses
// carry (seed 000: example '10').
const periskopeRateLimit = 10

// function describes what the template must give each Lambda function.
type function struct {
	id       string   // logical id (and the Makefile target build-<id>)
	pkg      string   // main package, relative to the module root
	route    string   // "METHOD /path" in the HTTP API
	env      []string // exact environment variable names
	secret   string   // logical id of the secret the stack creates for it
	secretIn string   // parameter holding an existing secret ARN instead
	actions  []string // exact IAM actions on the table and the secret
	// keyPrefix is the start of every pk the function writes: its table
	// permissions must be limited to it (dynamodb:LeadingKeys).
	keyPrefix string
}

var functions = []function{
	{
		id:    "CreateTicketFunction",
		pkg:   "functions/create-ticket",
		route: "POST /tickets",
		// The names the code reads: a rename on either side fails here.
		env: []string{createticket.EnvAPIKeySecret, createticket.EnvBaseURL, createticket.EnvPhone, createticket.EnvTicketsTable,
			createticket.EnvPlainHTTPHost, awsenv.EnvEndpoint},
		secret:    "PeriskopeApiKeySecret",
		secretIn:  "ApiKeySecretArn",
		actions:   []string{"dynamodb:PutItem", "secretsmanager:GetSecretValue"},
		keyPrefix: idempotency.KeyPrefix,
	},
	{
		id:        "WebhookFunction",
		pkg:       "functions/webhook",
		route:     "POST /webhooks/periskope",
		env:       []string{webhook.EnvSigningKeySecret, webhook.EnvTicketsTable, awsenv.EnvEndpoint},
		secret:    "PeriskopeSigningKeySecret",
		secretIn:  "SigningKeySecretArn",
		actions:   []string{"dynamodb:PutItem", "secretsmanager:GetSecretValue"},
		keyPrefix: ticketstore.KeyPrefix,
	},
}

func secretEnvVar(f function) string {
	for _, name := range f.env {
		if strings.HasSuffix(name, "_SECRET") {
			return name
		}
	}
	return ""
}

func TestFunctionsRuntimeAndLogging(t *testing.T) {
	s := expand(t)
	raw := asMap(t, s.Raw["Resources"], "raw Resources")
	for _, f := range functions {
		t.Run(f.id, func(t *testing.T) {
			rawFn := asMap(t, raw[f.id], f.id)
			if got := dig(t, rawFn, "Metadata", "BuildMethod"); got != "makefile" {
				t.Errorf("Metadata.BuildMethod = %v, want makefile (sam build runs make build-%s)", got, f.id)
			}
			if got := dig(t, rawFn, "Properties", "CodeUri"); got != "." {
				t.Errorf("CodeUri = %v, want . (the Makefile is at the repository root)", got)
			}

			p := s.props(t, f.id, "AWS::Lambda::Function")
			checks := map[string]any{
				"Runtime":       "provided.al2023",
				"Handler":       "bootstrap",
				"Architectures": []any{"arm64"},
				"TracingConfig": map[string]any{"Mode": "Active"},
			}
			for key, want := range checks {
				if !jsonEqual(p[key], want) {
					t.Errorf("%s = %s, want %s", key, mustJSON(p[key]), mustJSON(want))
				}
			}
			memory := num(t, p["MemorySize"], "MemorySize")
			if memory < 128 || memory > 1024 {
				t.Errorf("MemorySize = %v, want a deliberate size in [128, 1024]", memory)
			}
			timeout := num(t, p["Timeout"], "Timeout")
			if timeout <= 0 || timeout*1000 >= apiGatewayMaxTimeoutMillis {
				t.Errorf("Timeout = %vs, want below API Gateway's 30 s", timeout)
			}

			logging := asMap(t, p["LoggingConfig"], "LoggingConfig")
			if logging["LogFormat"] != "JSON" {
				t.Errorf("LoggingConfig.LogFormat = %v, want JSON", logging["LogFormat"])
			}
			if logging["ApplicationLogLevel"] != s.Parameters["LogLevel"] {
				t.Errorf("LoggingConfig.ApplicationLogLevel = %v, want the LogLevel parameter (%s)",
					logging["ApplicationLogLevel"], s.Parameters["LogLevel"])
			}
			group := asMap(t, logging["LogGroup"], "LoggingConfig.LogGroup")
			groupID, _ := group["Ref"].(string)
			if groupID == "" {
				t.Fatalf("LoggingConfig.LogGroup = %v, want a Ref to a log group of the stack", group)
			}
			lg := s.props(t, groupID, "AWS::Logs::LogGroup")
			if lg["RetentionInDays"] != s.Parameters["LogRetentionInDays"] {
				t.Errorf("%s.RetentionInDays = %v, want the LogRetentionInDays parameter", groupID, lg["RetentionInDays"])
			}
		})
	}
}

func TestFunctionsEnvironment(t *testing.T) {
	t.Run("secrets created by the stack", func(t *testing.T) {
		s := expand(t, "PeriskopePhone=919876543210")
		for _, f := range functions {
			vars := asMap(t, dig(t, s.props(t, f.id, "AWS::Lambda::Function"), "Environment", "Variables"), f.id+" env")
			var names []string
			for name := range vars {
				names = append(names, name)
			}
			sort.Strings(names)
			if !slices.Equal(names, slices.Sorted(slices.Values(f.env))) {
				t.Errorf("%s environment = %v, want exactly %v", f.id, names, f.env)
			}
			if vars[awsenv.EnvEndpoint] != "" {
				t.Errorf("%s %s = %v, want empty (the real AWS endpoints)", f.id, awsenv.EnvEndpoint, vars[awsenv.EnvEndpoint])
			}
			if !jsonEqual(vars["TICKETS_TABLE"], ref("TicketsTable")) {
				t.Errorf("%s TICKETS_TABLE = %v, want Ref TicketsTable", f.id, vars["TICKETS_TABLE"])
			}
			if v := secretEnvVar(f); !jsonEqual(vars[v], ref(f.secret)) {
				t.Errorf("%s %s = %v, want Ref %s (its ARN)", f.id, v, vars[v], f.secret)
			}
		}
		vars := asMap(t, dig(t, s.props(t, "CreateTicketFunction", "AWS::Lambda::Function"), "Environment", "Variables"), "env")
		if vars["PERISKOPE_PHONE"] != "919876543210" {
			t.Errorf("PERISKOPE_PHONE = %v, want the PeriskopePhone parameter", vars["PERISKOPE_PHONE"])
		}
		if vars["PERISKOPE_BASE_URL"] != "https://api.periskope.app/v1" {
			t.Errorf("PERISKOPE_BASE_URL = %v, want Periskope's API by default", vars["PERISKOPE_BASE_URL"])
		}
	})

	// Declared only so that sam local --env-vars can set them: a deployment
	// always gets "", whatever its parameters (real AWS endpoints, https only).
	t.Run("local-only variables are empty", func(t *testing.T) {
		localOnly := map[string][]string{
			"CreateTicketFunction": {awsenv.EnvEndpoint, createticket.EnvPlainHTTPHost},
			"WebhookFunction":      {awsenv.EnvEndpoint},
		}
		for _, params := range [][]string{nil, {"StageName=prod", "PeriskopePhone=919876543210", "TicketsAuthorizer=JWT",
			"JwtIssuer=https://issuer.example", "JwtAudience=client"}} {
			s := expand(t, params...)
			for id, names := range localOnly {
				vars := asMap(t, dig(t, s.props(t, id, "AWS::Lambda::Function"), "Environment", "Variables"), id+" env")
				for _, name := range names {
					if v, ok := vars[name]; !ok || v != "" {
						t.Errorf("%v: %s %s = %v (declared %v), want declared and \"\"", params, id, name, v, ok)
					}
				}
			}
		}
	})

	t.Run("existing secrets", func(t *testing.T) {
		apiKey := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/api-key-AbC123"
		signing := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/signing-key-XyZ789"
		s := expand(t, "ApiKeySecretArn="+apiKey, "SigningKeySecretArn="+signing)
		if ids := s.ofType(t, "AWS::SecretsManager::Secret"); len(ids) != 0 {
			t.Errorf("secrets %v created although existing ARNs were given", ids)
		}
		given := map[string]string{"CreateTicketFunction": apiKey, "WebhookFunction": signing}
		for _, f := range functions {
			vars := asMap(t, dig(t, s.props(t, f.id, "AWS::Lambda::Function"), "Environment", "Variables"), f.id+" env")
			if v := secretEnvVar(f); vars[v] != given[f.id] {
				t.Errorf("%s %s = %v, want the given ARN %s", f.id, v, vars[v], given[f.id])
			}
		}
	})
}

func TestSecretsAreCreatedEmpty(t *testing.T) {
	s := expand(t)
	ids := s.ofType(t, "AWS::SecretsManager::Secret")
	want := []string{"PeriskopeApiKeySecret", "PeriskopeSigningKeySecret"}
	if !slices.Equal(ids, want) {
		t.Fatalf("secrets = %v, want %v", ids, want)
	}
	for _, id := range ids {
		p := s.props(t, id, "AWS::SecretsManager::Secret")
		// No placeholder value: the operator sets the real one, and until then
		// the functions fail closed instead of using a made-up key.
		for _, key := range []string{"SecretString", "GenerateSecretString"} {
			if _, ok := p[key]; ok {
				t.Errorf("%s sets %s; the secret must be created empty", id, key)
			}
		}
	}
}

// statements returns the inline IAM statements of the function's role, with
// parameters and conditions resolved, after checking the role has no managed
// policy beyond logging and tracing.
func statements(t *testing.T, s *stack, fnID string) []map[string]any {
	t.Helper()
	role := asMap(t, s.props(t, fnID, "AWS::Lambda::Function")["Role"], fnID+".Role")
	att := asList(t, role["Fn::GetAtt"], fnID+".Role")
	roleProps := s.props(t, att[0].(string), "AWS::IAM::Role")

	allowedManaged := []string{
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
	}
	for _, arn := range stringList(roleProps["ManagedPolicyArns"]) {
		if !slices.Contains(allowedManaged, arn) {
			t.Errorf("%s role has managed policy %s; only logging and X-Ray are expected", fnID, arn)
		}
	}

	var out []map[string]any
	for _, p := range asList(t, roleProps["Policies"], fnID+" policies") {
		doc := asMap(t, dig(t, p, "PolicyDocument"), "PolicyDocument")
		for _, st := range asList(t, doc["Statement"], "Statement") {
			out = append(out, asMap(t, st, fnID+" statement"))
		}
	}
	return out
}

func TestIAMLeastPrivilege(t *testing.T) {
	apiKey := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/api-key-AbC123"
	signing := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope/signing-key-XyZ789"
	cases := []struct {
		name      string
		overrides []string
		secretOf  func(f function) any
	}{
		{"secrets created by the stack", nil, func(f function) any { return ref(f.secret) }},
		{"existing secrets", []string{"ApiKeySecretArn=" + apiKey, "SigningKeySecretArn=" + signing},
			func(f function) any {
				return map[string]string{"ApiKeySecretArn": apiKey, "SigningKeySecretArn": signing}[f.secretIn]
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := expand(t, c.overrides...)
			for _, f := range functions {
				var actions []string
				for _, st := range statements(t, s, f.id) {
					if st["Effect"] != "Allow" {
						t.Errorf("%s: statement %s is not an Allow", f.id, mustJSON(st))
					}
					resources := toAnyList(st["Resource"])
					for _, action := range stringList(st["Action"]) {
						actions = append(actions, action)
						var want any
						switch {
						case strings.HasPrefix(action, "dynamodb:"):
							want = getAtt("TicketsTable", "Arn")
						case strings.HasPrefix(action, "secretsmanager:"):
							want = c.secretOf(f)
						default:
							t.Errorf("%s: unexpected action %s", f.id, action)
							continue
						}
						if len(resources) != 1 || !jsonEqual(resources[0], want) {
							t.Errorf("%s: %s on %s, want only %s", f.id, action, mustJSON(st["Resource"]), mustJSON(want))
						}
						if strings.HasPrefix(action, "dynamodb:") {
							checkLeadingKeys(t, f, st)
						}
					}
				}
				sort.Strings(actions)
				if !slices.Equal(actions, f.actions) {
					t.Errorf("%s actions = %v, want exactly %v", f.id, actions, f.actions)
				}
			}
		})
	}
}

// checkLeadingKeys requires a table statement of f to be limited to the
// items whose partition key starts with f.keyPrefix, so that neither
// function can write the other's items.
func checkLeadingKeys(t *testing.T, f function, st map[string]any) {
	t.Helper()
	want := map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{f.keyPrefix + "*"}}}
	if !jsonEqual(st["Condition"], want) {
		t.Errorf("%s: table statement condition %s, want exactly %s", f.id, mustJSON(st["Condition"]), mustJSON(want))
	}
}

func toAnyList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// routes returns the HTTP API's OpenAPI paths, resolved.
func routes(t *testing.T, s *stack) map[string]any {
	t.Helper()
	body := asMap(t, s.props(t, "HttpApi", "AWS::ApiGatewayV2::Api")["Body"], "HttpApi.Body")
	return asMap(t, body["paths"], "Body.paths")
}

func operation(t *testing.T, s *stack, route string) map[string]any {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	return asMap(t, dig(t, routes(t, s), path, strings.ToLower(method)), route)
}

func TestRoutesAndIntegrations(t *testing.T) {
	s := expand(t)
	if got := s.props(t, "HttpApi", "AWS::ApiGatewayV2::Api")["FailOnWarnings"]; got != true {
		t.Errorf("HttpApi FailOnWarnings = %v, want true (an import warning must fail the deploy)", got)
	}
	var want []string
	for _, f := range functions {
		want = append(want, f.route)
	}
	var got []string
	for path, item := range routes(t, s) {
		for method := range asMap(t, item, path) {
			got = append(got, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("routes = %v, want exactly %v", got, want)
	}

	for _, f := range functions {
		t.Run(f.route, func(t *testing.T) {
			integration := asMap(t, operation(t, s, f.route)["x-amazon-apigateway-integration"], "integration")
			if integration["type"] != "aws_proxy" || integration["payloadFormatVersion"] != "2.0" {
				t.Errorf("integration %s, want aws_proxy with payload format 2.0", mustJSON(integration))
			}
			uri := mustJSON(integration["uri"])
			if !strings.Contains(uri, "${"+f.id+".Arn}") {
				t.Errorf("integration uri %s does not invoke %s", uri, f.id)
			}
			timeoutMillis := num(t, integration["timeoutInMillis"], "timeoutInMillis")
			fnTimeout := num(t, s.props(t, f.id, "AWS::Lambda::Function")["Timeout"], "Timeout")
			if timeoutMillis <= fnTimeout*1000 || timeoutMillis > apiGatewayMaxTimeoutMillis {
				t.Errorf("integration timeout %vms, want above the function's %vs (so its own answer gets through) and at most 30 s",
					timeoutMillis, fnTimeout)
			}

			// API Gateway may invoke the function for this route only.
			method, path, _ := strings.Cut(f.route, " ")
			var permissions []string
			for _, id := range s.ofType(t, "AWS::Lambda::Permission") {
				p := s.props(t, id, "AWS::Lambda::Permission")
				if jsonEqual(p["FunctionName"], ref(f.id)) {
					permissions = append(permissions, mustJSON(p["SourceArn"]))
				}
			}
			if len(permissions) != 1 || !strings.Contains(permissions[0], "/"+method+path+`"`) {
				t.Errorf("invoke permissions of %s = %v, want one limited to %s", f.id, permissions, f.route)
			}
		})
	}
}

func TestTicketsRouteIsNeverPublic(t *testing.T) {
	t.Run("IAM by default", func(t *testing.T) {
		s := expand(t)
		if got := operation(t, s, "POST /tickets")["security"]; !jsonEqual(got, []any{map[string]any{"AWS_IAM": []any{}}}) {
			t.Errorf("POST /tickets security = %s, want AWS_IAM", mustJSON(got))
		}
		schemes := asMap(t, dig(t, s.props(t, "HttpApi", "AWS::ApiGatewayV2::Api"), "Body", "components", "securitySchemes"), "securitySchemes")
		if got := dig(t, schemes, "AWS_IAM", "x-amazon-apigateway-authtype"); got != "awsSigv4" {
			t.Errorf("AWS_IAM scheme authtype = %v, want awsSigv4", got)
		}
		if _, ok := schemes["JwtAuthorizer"]; ok {
			t.Error("JWT authorizer declared although TicketsAuthorizer=AWS_IAM")
		}
	})

	t.Run("JWT when asked", func(t *testing.T) {
		s := expand(t, "TicketsAuthorizer=JWT", "JwtIssuer=https://issuer.example.com/pool", "JwtAudience=client-a,client-b")
		if got := operation(t, s, "POST /tickets")["security"]; !jsonEqual(got, []any{map[string]any{"JwtAuthorizer": []any{}}}) {
			t.Errorf("POST /tickets security = %s, want JwtAuthorizer", mustJSON(got))
		}
		scheme := asMap(t, dig(t, s.props(t, "HttpApi", "AWS::ApiGatewayV2::Api"), "Body", "components", "securitySchemes", "JwtAuthorizer"), "JwtAuthorizer")
		authorizer := asMap(t, scheme["x-amazon-apigateway-authorizer"], "authorizer")
		want := map[string]any{
			"type":           "jwt",
			"identitySource": "$request.header.Authorization",
			"jwtConfiguration": map[string]any{
				"issuer":   "https://issuer.example.com/pool",
				"audience": []any{"client-a", "client-b"},
			},
		}
		if !jsonEqual(authorizer, want) {
			t.Errorf("JWT authorizer = %s, want %s", mustJSON(authorizer), mustJSON(want))
		}
	})

	t.Run("JWT without issuer or audience is refused", func(t *testing.T) {
		for _, overrides := range [][]string{
			{"TicketsAuthorizer=JWT", "JwtAudience=client-a"},
			{"TicketsAuthorizer=JWT", "JwtIssuer=https://issuer.example.com/pool"},
		} {
			_, err := tryExpand(t, overrides...)
			if err == nil || !strings.Contains(err.Error(), "JwtAuthorizerNeedsIssuerAndAudience") {
				t.Errorf("%v: err = %v, want the stack refused by rule JwtAuthorizerNeedsIssuerAndAudience", overrides, err)
			}
		}
	})
}

func TestWebhookRouteIsPublic(t *testing.T) {
	for _, overrides := range [][]string{
		nil,
		{"TicketsAuthorizer=JWT", "JwtIssuer=https://issuer.example.com/pool", "JwtAudience=client-a"},
	} {
		s := expand(t, overrides...)
		// Periskope sends no credentials; the function checks the signature.
		if got, ok := operation(t, s, "POST /webhooks/periskope")["security"]; ok {
			t.Errorf("%v: POST /webhooks/periskope security = %s, want none", overrides, mustJSON(got))
		}
	}
}

func TestStageThrottling(t *testing.T) {
	s := expand(t)
	stages := s.ofType(t, "AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages = %v, want exactly one", stages)
	}
	p := s.props(t, stages[0], "AWS::ApiGatewayV2::Stage")
	if p["StageName"] != s.Parameters["StageName"] {
		t.Errorf("StageName = %v, want the StageName parameter (%s)", p["StageName"], s.Parameters["StageName"])
	}
	if dig(t, p, "AccessLogSettings", "DestinationArn") == nil {
		t.Error("no access log destination")
	}

	settings := asMap(t, p["RouteSettings"], "RouteSettings")
	for key := range settings {
		if !slices.ContainsFunc(functions, func(f function) bool { return f.route == key }) {
			t.Errorf("RouteSettings for %q, which is not a route: API Gateway would reject the stage", key)
		}
	}
	for _, f := range functions {
		r := asMap(t, settings[f.route], "RouteSettings "+f.route)
		if r["DetailedMetricsEnabled"] != true {
			t.Errorf("%s: DetailedMetricsEnabled = %v, want true (the per-route 5xx alarms need it)", f.route, r["DetailedMetricsEnabled"])
		}
		if num(t, r["ThrottlingRateLimit"], "rate") <= 0 || num(t, r["ThrottlingBurstLimit"], "burst") <= 0 {
			t.Errorf("%s: throttling %s, want positive limits", f.route, mustJSON(r))
		}
	}

	// Every POST /tickets is one Periskope call: neither the burst nor the
	// steady rate may exceed Periskope's limit, here or on the stage default.
	for name, r := range map[string]any{"POST /tickets": settings["POST /tickets"], "DefaultRouteSettings": p["DefaultRouteSettings"]} {
		m := asMap(t, r, name)
		rate, burst := num(t, m["ThrottlingRateLimit"], "rate"), num(t, m["ThrottlingBurstLimit"], "burst")
		if rate > periskopeRateLimit || burst > periskopeRateLimit {
			t.Errorf("%s: rate %v/s, burst %v; Periskope allows %d", name, rate, burst, periskopeRateLimit)
		}
	}

	// The public webhook route shares one token bucket among all callers:
	// its limits are sized to what refusing junk costs (see template.yaml),
	// so that a flood must be ten times the old 50/s to crowd out Periskope,
	// and stay a twentieth of the account's 10,000/s regional limit.
	webhookRoute := asMap(t, settings["POST /webhooks/periskope"], "RouteSettings POST /webhooks/periskope")
	if rate, burst := num(t, webhookRoute["ThrottlingRateLimit"], "rate"), num(t, webhookRoute["ThrottlingBurstLimit"], "burst"); rate != 500 || burst != 1000 {
		t.Errorf("POST /webhooks/periskope: rate %v/s, burst %v; want 500/s and 1000", rate, burst)
	}
}

// A flood on the webhook route (401s for junk, 429s when its bucket is
// empty) raises its own alarm, per minute, before Periskope's deliveries
// are lost for long.
func TestWebhookFloodAlarm(t *testing.T) {
	s := expand(t)
	p := s.props(t, "Webhook4xxAlarm", "AWS::CloudWatch::Alarm")
	dims := map[string]any{}
	for _, d := range asList(t, p["Dimensions"], "Dimensions") {
		m := asMap(t, d, "dimension")
		dims[m["Name"].(string)] = m["Value"]
	}
	want := map[string]any{"ApiId": ref("HttpApi"), "Stage": s.Parameters["StageName"], "Method": "POST", "Resource": "/webhooks/periskope"}
	if p["Namespace"] != "AWS/ApiGateway" || p["MetricName"] != "4xx" || !jsonEqual(dims, want) {
		t.Errorf("Webhook4xxAlarm watches %v %v %s, want AWS/ApiGateway 4xx of the webhook route", p["Namespace"], p["MetricName"], mustJSON(dims))
	}
	for key, w := range map[string]float64{"Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "Threshold": 300} {
		if v := num(t, p[key], key); v != w {
			t.Errorf("Webhook4xxAlarm %s = %v, want %v", key, v, w)
		}
	}
	if got := num(t, s.props(t, "Webhook4xxAlarm", "AWS::CloudWatch::Alarm")["Threshold"], "threshold"); got != num(t, s.Parameters["Webhook4xxAlarmThreshold"], "parameter") {
		t.Errorf("threshold %v is not the Webhook4xxAlarmThreshold parameter", got)
	}
}

func TestTable(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			s := expand(t, "StageName="+stage)
			p := s.props(t, "TicketsTable", "AWS::DynamoDB::Table")
			want := map[string]any{
				"BillingMode":                      "PAY_PER_REQUEST",
				"KeySchema":                        []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
				"TimeToLiveSpecification":          map[string]any{"AttributeName": "expires_at", "Enabled": true},
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
				"SSESpecification":                 map[string]any{"SSEEnabled": true},
			}
			for key, w := range want {
				if !jsonEqual(p[key], w) {
					t.Errorf("%s = %s, want %s", key, mustJSON(p[key]), mustJSON(w))
				}
			}
			gsis := asList(t, p["GlobalSecondaryIndexes"], "GlobalSecondaryIndexes")
			if len(gsis) != 1 {
				t.Fatalf("GSIs = %s, want one", mustJSON(gsis))
			}
			wantKeys := []any{
				map[string]any{"AttributeName": "chat_id", "KeyType": "HASH"},
				map[string]any{"AttributeName": "created_at", "KeyType": "RANGE"},
			}
			if got := dig(t, gsis[0], "KeySchema"); !jsonEqual(got, wantKeys) {
				t.Errorf("GSI key schema = %s, want chat_id HASH, created_at RANGE", mustJSON(got))
			}
			types := map[string]any{}
			for _, a := range asList(t, p["AttributeDefinitions"], "AttributeDefinitions") {
				m := asMap(t, a, "attribute")
				types[m["AttributeName"].(string)] = m["AttributeType"]
			}
			if !jsonEqual(types, map[string]any{"pk": "S", "chat_id": "S", "created_at": "S"}) {
				t.Errorf("attribute definitions = %v, want pk, chat_id, created_at as strings", types)
			}
		})
	}
}

// retainedInProd are the resources a prod stack deletion must leave behind:
// the data, and the keys (CloudFormation deletes a secret with no recovery
// window).
var retainedInProd = []string{"TicketsTable", "PeriskopeApiKeySecret", "PeriskopeSigningKeySecret"}

func TestProdOnlySettings(t *testing.T) {
	t.Run("raw template", func(t *testing.T) {
		s := expand(t)
		transforms := stringList(s.Raw["Transform"])
		if !slices.Equal(transforms, []string{"AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"}) {
			t.Errorf("Transform = %v: Fn::If in DeletionPolicy needs AWS::LanguageExtensions before the SAM transform", transforms)
		}
		wantProd := map[string]any{"Fn::Equals": []any{ref("StageName"), "prod"}}
		if got := dig(t, s.Raw, "Conditions", "IsProd"); !jsonEqual(got, wantProd) {
			t.Errorf("Conditions.IsProd = %s, want %s", mustJSON(got), mustJSON(wantProd))
		}
		retainInProd := map[string]any{"Fn::If": []any{"IsProd", "Retain", "Delete"}}
		for _, id := range retainedInProd {
			r := asMap(t, dig(t, s.Raw, "Resources", id), id)
			for _, attr := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if !jsonEqual(r[attr], retainInProd) {
					t.Errorf("%s %s = %s, want %s", id, attr, mustJSON(r[attr]), mustJSON(retainInProd))
				}
			}
		}
		table := asMap(t, dig(t, s.Raw, "Resources", "TicketsTable"), "TicketsTable")
		want := map[string]any{"Fn::If": []any{"IsProd", true, false}}
		if got := dig(t, table, "Properties", "DeletionProtectionEnabled"); !jsonEqual(got, want) {
			t.Errorf("DeletionProtectionEnabled = %s, want %s", mustJSON(got), mustJSON(want))
		}
	})

	for _, c := range []struct {
		stage      string
		policy     string
		protection bool
	}{
		{"dev", "Delete", false},
		{"staging", "Delete", false},
		{"prod", "Retain", true},
	} {
		t.Run(c.stage, func(t *testing.T) {
			s := expand(t, "StageName="+c.stage)
			if s.Conditions["IsProd"] != (c.stage == "prod") {
				t.Errorf("IsProd = %v for stage %s", s.Conditions["IsProd"], c.stage)
			}
			for _, id := range retainedInProd {
				r := asMap(t, s.resources(t)[id], id)
				for _, attr := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
					if r[attr] != c.policy {
						t.Errorf("%s %s = %v, want %s", id, attr, r[attr], c.policy)
					}
				}
			}
			table := s.resource(t, "TicketsTable", "AWS::DynamoDB::Table")
			if got := dig(t, table, "Properties", "DeletionProtectionEnabled"); got != c.protection {
				t.Errorf("DeletionProtectionEnabled = %v, want %v", got, c.protection)
			}
		})
	}
}

// alarmKey identifies an alarm by what it watches.
func alarmKey(t *testing.T, p map[string]any) string {
	t.Helper()
	var dims []string
	for _, d := range asList(t, p["Dimensions"], "Dimensions") {
		m := asMap(t, d, "dimension")
		dims = append(dims, m["Name"].(string)+"="+mustJSON(m["Value"]))
	}
	sort.Strings(dims)
	return p["Namespace"].(string) + " " + p["MetricName"].(string) + " " + strings.Join(dims, ",")
}

func TestAlarms(t *testing.T) {
	topic := "arn:aws:sns:eu-west-1:123456789012:ops"
	for _, c := range []struct {
		name      string
		overrides []string
		actions   any
	}{
		{"without topic", nil, nil},
		{"with topic", []string{"AlarmTopicArn=" + topic}, []any{topic}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := expand(t, c.overrides...)
			stage := `"` + s.Parameters["StageName"] + `"`
			api := mustJSON(ref("HttpApi"))
			want := map[string]float64{
				"AWS/ApiGateway 5xx ApiId=" + api + ",Stage=" + stage:                                                                                     1,
				"AWS/ApiGateway 5xx ApiId=" + api + ",Method=\"POST\",Resource=\"/tickets\",Stage=" + stage:                                               1,
				"AWS/ApiGateway 5xx ApiId=" + api + ",Method=\"POST\",Resource=\"/webhooks/periskope\",Stage=" + stage:                                    1,
				"AWS/Lambda Errors FunctionName=" + mustJSON(ref("CreateTicketFunction")):                                                                 1,
				"AWS/Lambda Throttles FunctionName=" + mustJSON(ref("CreateTicketFunction")):                                                              1,
				"AWS/Lambda Errors FunctionName=" + mustJSON(ref("WebhookFunction")):                                                                      1,
				"AWS/Lambda Throttles FunctionName=" + mustJSON(ref("WebhookFunction")):                                                                   1,
				emf.Namespace + " " + webhook.MetricSignatureRejected + ` Function="webhook",FunctionName=` + mustJSON(ref("WebhookFunction")):            num(t, s.Parameters["SignatureRejectedAlarmThreshold"], "threshold"),
				emf.Namespace + " " + webhook.MetricStoreRejected + ` Function="webhook",FunctionName=` + mustJSON(ref("WebhookFunction")):                1,
				emf.Namespace + " " + webhook.MetricSignedDeliveryRefused + ` Function="webhook",FunctionName=` + mustJSON(ref("WebhookFunction")):        1,
				"AWS/ApiGateway 4xx ApiId=" + api + ",Method=\"POST\",Resource=\"/webhooks/periskope\",Stage=" + stage:                                    num(t, s.Parameters["Webhook4xxAlarmThreshold"], "threshold"),
				emf.Namespace + " " + secretcache.MetricRefreshFailed + ` Function="webhook",FunctionName=` + mustJSON(ref("WebhookFunction")):            1,
				emf.Namespace + " " + secretcache.MetricRefreshFailed + ` Function="create-ticket",FunctionName=` + mustJSON(ref("CreateTicketFunction")): 1,
			}
			got := map[string]bool{}
			for _, id := range s.ofType(t, "AWS::CloudWatch::Alarm") {
				p := s.props(t, id, "AWS::CloudWatch::Alarm")
				key := alarmKey(t, p)
				got[key] = true
				threshold, ok := want[key]
				if !ok {
					continue
				}
				if v := num(t, p["Threshold"], id+".Threshold"); v != threshold {
					t.Errorf("%s threshold = %v, want %v", id, v, threshold)
				}
				if p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["Statistic"] != "Sum" {
					t.Errorf("%s: %v of Sum, want GreaterThanOrEqualToThreshold on Sum", id, p["ComparisonOperator"])
				}
				if p["TreatMissingData"] != "notBreaching" {
					t.Errorf("%s TreatMissingData = %v, want notBreaching (no traffic is no incident)", id, p["TreatMissingData"])
				}
				for _, attr := range []string{"AlarmActions", "OKActions"} {
					if !jsonEqual(p[attr], c.actions) {
						t.Errorf("%s %s = %s, want %s", id, attr, mustJSON(p[attr]), mustJSON(c.actions))
					}
				}
			}
			for key := range want {
				if !got[key] {
					t.Errorf("no alarm on %s", key)
				}
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	s := expand(t)
	outputs := asMap(t, s.Translated["Outputs"], "Outputs")
	urls := map[string]string{
		"CreateTicketUrl": "/${StageName}/tickets",
		"WebhookUrl":      "/${StageName}/webhooks/periskope",
	}
	for name, suffix := range urls {
		sub, _ := dig(t, outputs, name, "Value", "Fn::Sub").(string)
		if !strings.HasPrefix(sub, "https://${HttpApi}.execute-api.") || !strings.HasSuffix(sub, suffix) {
			t.Errorf("output %s = %q, want the stage URL ending in %s", name, sub, suffix)
		}
	}
	values := map[string]any{
		"TicketsTableName":    ref("TicketsTable"),
		"ApiKeySecretArn":     ref("PeriskopeApiKeySecret"),
		"SigningKeySecretArn": ref("PeriskopeSigningKeySecret"),
	}
	for name, want := range values {
		if got := s.resolve(dig(t, outputs, name, "Value")); !jsonEqual(got, want) {
			t.Errorf("output %s = %s, want %s", name, mustJSON(got), mustJSON(want))
		}
	}
}

func TestParametersRefusedLikeCloudFormation(t *testing.T) {
	for _, bad := range []string{
		"StageName=qa",
		"PeriskopePhone=+91 98745 32456",
		"PeriskopeBaseUrl=api.periskope.app",
		"ApiKeySecretArn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope_api_key",
		"LogLevel=VERBOSE",
		"TicketsBurstLimit=0",
		"NoSuchParameter=1",
	} {
		if _, err := tryExpand(t, bad); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s: err = %v, want the stack refused", bad, err)
		}
	}
	// The baseline of the cases above is accepted.
	for _, good := range []string{
		"StageName=staging",
		"PeriskopePhone=919876543210",
		"PeriskopePhone=phone-bqzvyibhmwkaergr",
		"PeriskopeBaseUrl=http://127.0.0.1:4010/v1",
		"ApiKeySecretArn=arn:aws:secretsmanager:eu-west-1:123456789012:secret:periskope-AbC123",
		"LogLevel=DEBUG",
		"TicketsBurstLimit=1",
	} {
		if _, err := tryExpand(t, good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
}
