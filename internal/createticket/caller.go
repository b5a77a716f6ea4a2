package createticket

import (
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// CallerScope names the caller of req for its idempotency record, from
// what API Gateway's authorizer put in the request context: the IAM
// principal (requestContext.authorizer.iam.userArn, else its accountId and
// callerId) or the JWT's issuer and subject (authorizer.jwt.claims iss and
// sub). Two callers using the same Idempotency-Key thus get independent
// records. A request without an identity (a local run, no authorizer) is
// in the one anonymous scope, "".
//
// An assumed role is one caller whatever its session (see principalScope):
// a service's retry from another worker must find its first attempt's
// record.
//
// Values are quoted so that no two identities share a scope, however their
// parts are spelled.
func CallerScope(req *events.APIGatewayV2HTTPRequest) string {
	auth := req.RequestContext.Authorizer
	if auth == nil {
		return ""
	}
	if iam := auth.IAM; iam != nil {
		switch {
		case iam.UserARN != "":
			return "iam:" + strconv.Quote(principalScope(iam.UserARN))
		case iam.AccountID != "" || iam.CallerID != "":
			return "iam:" + strconv.Quote(iam.AccountID) + ":" + strconv.Quote(iam.CallerID)
		}
	}
	if jwt := auth.JWT; jwt != nil {
		iss, sub := jwt.Claims["iss"], jwt.Claims["sub"]
		if iss != "" || sub != "" {
			return "jwt:" + strconv.Quote(iss) + ":" + strconv.Quote(sub)
		}
	}
	return ""
}

// principalScope is the part of an IAM principal's ARN that names the
// caller. For an STS assumed-role session,
// arn:<partition>:sts::<account>:assumed-role/<role>/<session>, it is the
// ARN without the session name: the session differs per ECS task, instance
// or credentials provider of the same service. STS writes the role's name
// only, never its path, and role names are unique in an account (paths
// included), so account and name identify the role. Every other ARN (IAM
// users, federated users, roots) and anything that does not parse as an
// ARN is kept whole.
func principalScope(principal string) string {
	a, err := arn.Parse(principal)
	if err != nil || a.Service != "sts" {
		return principal
	}
	parts := strings.Split(a.Resource, "/")
	if len(parts) != 3 || parts[0] != "assumed-role" || parts[1] == "" || parts[2] == "" {
		return principal
	}
	a.Resource = parts[0] + "/" + parts[1]
	return a.String()
}
