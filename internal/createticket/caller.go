package createticket

import (
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// CallerScope names the caller of req for its idempotency record, from
// what API Gateway's authorizer put in the request context: the IAM
// principal (requestContext.authorizer.iam.userArn, else its accountId and
// callerId) or the JWT's issuer and subject (authorizer.jwt.claims iss and
// sub). Two callers using the same Idempotency-Key thus get independent
// records. A request without an identity (a local run, no authorizer) is
// in the one anonymous scope, "".
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
			return "iam:" + strconv.Quote(iam.UserARN)
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
