package periskope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// SignatureHeader is the header carrying a webhook's signature: the hex
// HMAC-SHA256 of the raw body keyed with the organisation's signing key.
const SignatureHeader = "x-periskope-signature"

// Webhook verification errors.
var (
	ErrMissingSignature = errors.New("periskope: missing webhook signature")
	ErrInvalidSignature = errors.New("periskope: webhook signature does not match")
	ErrNoSigningKeys    = errors.New("periskope: no signing keys configured")
)

// Sign returns the signature Periskope sends for body signed with key.
func Sign(body []byte, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks signature against body with each key in turn (several keys
// allow rotation) and compares in constant time.
func Verify(body []byte, signature string, keys ...string) error {
	panic("TODO")
}

// VerifyHeaders finds SignatureHeader in headers, whatever its case, and
// verifies it as Verify does.
func VerifyHeaders(body []byte, headers map[string]string, keys ...string) error {
	panic("TODO")
}
