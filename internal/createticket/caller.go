package createticket

import (
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// CallerScope names the caller of req for its idempotency record, so two
// callers using the same Idempotency-Key get independent records: the IAM
// principal (userArn, else accountId and callerId) or the JWT's iss and
// sub; "" without an identity (a local run). Values are quoted so that no
// two identities share a scope, however spelled.
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
// caller. An STS assumed-role session loses its session name, which differs
// per worker of the same service (a retry from another worker must find the
// first attempt's record); role names are unique in an account. Anything
// else is kept whole.
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
