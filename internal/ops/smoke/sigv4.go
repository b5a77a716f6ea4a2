package smoke

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigV4 signs requests to API Gateway (service execute-api) with the SDK's
// Signature Version 4 signer, as an IAM-authorized caller must.
type SigV4 struct {
	// Credentials are the caller's (the SDK's default chain in cmd/smoke).
	Credentials aws.CredentialsProvider
	// Region is the API's region.
	Region string
	// Now is the signing time (default time.Now).
	Now func() time.Time
}

// Sign adds the SigV4 headers (Authorization, X-Amz-Date, and
// X-Amz-Security-Token for temporary credentials) to req, whose body is body.
func (s SigV4) Sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := s.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", s.Region, now())
}
