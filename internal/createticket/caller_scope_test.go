package createticket_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
)

// asIAM is req as API Gateway delivers it for a caller signed in as the
// IAM principal arn.
func asIAM(req events.APIGatewayV2HTTPRequest, arn string) events.APIGatewayV2HTTPRequest {
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{
			AccountID: "123456789012", CallerID: "AROAEXAMPLE:" + arn, UserARN: arn,
		},
	}
	return req
}

// asJWT is req as API Gateway delivers it for a caller with a JWT.
func asJWT(req events.APIGatewayV2HTTPRequest, iss, sub string) events.APIGatewayV2HTTPRequest {
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"iss": iss, "sub": sub}},
	}
	return req
}

// Two callers using the same Idempotency-Key get independent records: the
// second neither sees the first's answer (its chat details) nor learns that
// the key exists.
func TestLiveIdempotencyKeyIsScopedToTheCaller(t *testing.T) {
	l := newLive(t, shared(t), testAPIKey)
	ctx := context.Background()
	const key = "shared-key-1"
	const otherBody = `{"chat_id":"919876543211@c.us","subject":"Another caller's ticket"}`
	callers := []struct {
		name string
		req  func(body string) events.APIGatewayV2HTTPRequest
	}{
		{"IAM user A", func(body string) events.APIGatewayV2HTTPRequest {
			return asIAM(request(body, "idempotency-key", key), "arn:aws:iam::123456789012:user/a")
		}},
		{"IAM user B", func(body string) events.APIGatewayV2HTTPRequest {
			return asIAM(request(body, "idempotency-key", key), "arn:aws:iam::123456789012:user/b")
		}},
		{"JWT subject", func(body string) events.APIGatewayV2HTTPRequest {
			return asJWT(request(body, "idempotency-key", key), "https://issuer.example", "user-a")
		}},
		{"JWT same subject, other issuer", func(body string) events.APIGatewayV2HTTPRequest {
			return asJWT(request(body, "idempotency-key", key), "https://other.example", "user-a")
		}},
		{"anonymous (local)", func(body string) events.APIGatewayV2HTTPRequest { return request(body, "idempotency-key", key) }},
	}
	first := map[string]string{}
	for i, c := range callers {
		// Every caller but the first sends another body: with a shared
		// record that would be a 409 conflict.
		body := minimalBody
		if i > 0 {
			body = otherBody
		}
		resp := l.do(t, ctx, c.req(body))
		if resp.StatusCode != 201 || resp.Headers["idempotent-replayed"] != "" {
			t.Fatalf("%s: %d %v %s, want a new ticket", c.name, resp.StatusCode, resp.Headers, resp.Body)
		}
		first[c.name] = resp.Body
	}
	// Each caller's retry replays its own answer.
	for i, c := range callers {
		body := minimalBody
		if i > 0 {
			body = otherBody
		}
		resp := l.do(t, ctx, c.req(body))
		if resp.StatusCode != 201 || resp.Headers["idempotent-replayed"] != "true" || resp.Body != first[c.name] {
			t.Errorf("%s retry: %d %v, want its own answer replayed", c.name, resp.StatusCode, resp.Headers)
		}
	}
	if got := l.up.Calls(); got != len(callers) {
		t.Errorf("Periskope calls = %d, want %d", got, len(callers))
	}
}

// One service's retry from another worker (another STS session of the same
// role) finds the first attempt's record; another role is another caller.
func TestLiveIdempotencyKeyIsScopedToTheRoleNotTheSession(t *testing.T) {
	l := newLive(t, shared(t), testAPIKey)
	ctx := context.Background()
	const key = "role-key-1"
	session := func(role, name string) events.APIGatewayV2HTTPRequest {
		return asIAM(request(minimalBody, "idempotency-key", key), "arn:aws:sts::123456789012:assumed-role/"+role+"/"+name)
	}
	first := l.do(t, ctx, session("ticket-writer", "ecs-task-1"))
	if first.StatusCode != 201 || first.Headers["idempotent-replayed"] != "" {
		t.Fatalf("first: %d %v %s", first.StatusCode, first.Headers, first.Body)
	}
	retry := l.do(t, ctx, session("ticket-writer", "ecs-task-2"))
	if retry.StatusCode != 201 || retry.Headers["idempotent-replayed"] != "true" || retry.Body != first.Body {
		t.Errorf("retry from another session of the role: %d %v, want the first answer replayed", retry.StatusCode, retry.Headers)
	}
	other := l.do(t, ctx, session("reporting", "ecs-task-1"))
	if other.StatusCode != 201 || other.Headers["idempotent-replayed"] != "" {
		t.Errorf("another role: %d %v, want a new ticket", other.StatusCode, other.Headers)
	}
	if got := l.up.Calls(); got != 2 {
		t.Errorf("Periskope creates = %d, want 2 (one per role)", got)
	}
}

func TestCallerScope(t *testing.T) {
	iam := func(arn, account, caller string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: arn, AccountID: account, CallerID: caller},
		}
	}
	jwt := func(claims map[string]string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	const arn = "arn:aws:iam::123456789012:user/alice"
	tests := []struct {
		name string
		auth *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		want string
	}{
		{"IAM user (baseline)", iam(arn, "123456789012", "AIDAEXAMPLE"), `iam:"` + arn + `"`},
		{"IAM without userArn", iam("", "123456789012", "AIDAEXAMPLE"), `iam:"123456789012":"AIDAEXAMPLE"`},
		{"IAM, other caller id", iam("", "123456789012", "AIDAOTHER"), `iam:"123456789012":"AIDAOTHER"`},
		{"JWT", jwt(map[string]string{"iss": "https://issuer.example", "sub": "alice", "aud": "x"}), `jwt:"https://issuer.example":"alice"`},
		{"JWT, parts that would run together", jwt(map[string]string{"iss": "https://issuer.example:", "sub": ":alice"}), `jwt:"https://issuer.example:":":alice"`},
		{"IAM wins over JWT", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			IAM: iam(arn, "", "").IAM, JWT: jwt(map[string]string{"iss": "i", "sub": "s"}).JWT,
		}, `iam:"` + arn + `"`},
		{"assumed role: the session name is not part of the scope",
			iam("arn:aws:sts::123456789012:assumed-role/ticket-writer/i-0abc123", "123456789012", "AROAEXAMPLE:i-0abc123"),
			`iam:"arn:aws:sts::123456789012:assumed-role/ticket-writer"`},
		{"assumed role, session with STS's allowed punctuation",
			iam("arn:aws:sts::123456789012:assumed-role/ticket-writer/a+b=c,d.e@f-g", "", ""),
			`iam:"arn:aws:sts::123456789012:assumed-role/ticket-writer"`},
		{"assumed role in aws-cn", iam("arn:aws-cn:sts::123456789012:assumed-role/ticket-writer/task-1", "", ""),
			`iam:"arn:aws-cn:sts::123456789012:assumed-role/ticket-writer"`},
		{"assumed role in aws-us-gov", iam("arn:aws-us-gov:sts::123456789012:assumed-role/ticket-writer/task-1", "", ""),
			`iam:"arn:aws-us-gov:sts::123456789012:assumed-role/ticket-writer"`},
		{"IAM user with a path is kept whole", iam("arn:aws:iam::123456789012:user/division/alice", "", ""),
			`iam:"arn:aws:iam::123456789012:user/division/alice"`},
		{"federated user is kept whole", iam("arn:aws:sts::123456789012:federated-user/alice", "", ""),
			`iam:"arn:aws:sts::123456789012:federated-user/alice"`},
		{"account root is kept whole", iam("arn:aws:iam::123456789012:root", "", ""), `iam:"arn:aws:iam::123456789012:root"`},
		{"assumed-role ARN without a session is kept whole", iam("arn:aws:sts::123456789012:assumed-role/ticket-writer", "", ""),
			`iam:"arn:aws:sts::123456789012:assumed-role/ticket-writer"`},
		{"not an ARN is kept whole", iam("assumed-role/ticket-writer/x", "", ""), `iam:"assumed-role/ticket-writer/x"`},
		{"no authorizer (local)", nil, ""},
		{"empty IAM description", iam("", "", ""), ""},
		{"JWT without iss or sub", jwt(map[string]string{"aud": "x"}), ""},
		{"Lambda authorizer only", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"user": "x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(minimalBody)
			req.RequestContext.Authorizer = tt.auth
			if got := createticket.CallerScope(&req); got != tt.want {
				t.Errorf("CallerScope = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCallerScopeReachesTheStore(t *testing.T) {
	store := &fakeStore{err: idempotency.ErrInProgress}
	hs := newHarness(t, setup{idempotency: store})
	hs.do(t, context.Background(), asIAM(request(minimalBody, "idempotency-key", "k"), "arn:aws:iam::123456789012:user/a"))
	hs.do(t, context.Background(), request(minimalBody, "idempotency-key", "k"))
	want := []idempotency.Key{{Caller: `iam:"arn:aws:iam::123456789012:user/a"`, Value: "k"}, {Value: "k"}}
	if len(store.calls) != 2 || store.calls[0].key != want[0] || store.calls[1].key != want[1] {
		t.Errorf("Begin calls %+v, want keys %+v", store.calls, want)
	}
}
