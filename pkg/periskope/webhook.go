package periskope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
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

// Sign returns the signature Periskope sends for body signed with key:
// lowercase hex of HMAC-SHA256(key, body).
func Sign(body []byte, key string) string {
	return hex.EncodeToString(mac(body, key))
}

func mac(body []byte, key string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks signature against body with each key in turn (several keys
// allow rotation) and compares in constant time.
//
// The body must be the raw bytes as received: re-encoding the JSON changes
// them. Empty keys are ignored; with no key left Verify fails with
// ErrNoSigningKeys (a configuration fault, not the sender's). An empty
// signature fails with ErrMissingSignature; one that is not 64 hex digits,
// or matches no key, with ErrInvalidSignature. Hex is compared as bytes, so
// upper-case hex is accepted: it is the same MAC.
func Verify(body []byte, signature string, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return ErrMissingSignature
	}
	got, err := hex.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return ErrInvalidSignature
	}
	for _, key := range keys {
		if key != "" && hmac.Equal(got, mac(body, key)) {
			return nil
		}
	}
	return ErrInvalidSignature
}

func hasKey(keys []string) bool {
	for _, k := range keys {
		if k != "" {
			return true
		}
	}
	return false
}

// VerifyHeaders finds SignatureHeader in headers, whatever its case, and
// verifies it as Verify does. A header that arrived more than once (API
// Gateway joins the values with commas) passes if any of its values does.
func VerifyHeaders(body []byte, headers map[string]string, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	var candidates []string
	for name, value := range headers {
		if strings.EqualFold(name, SignatureHeader) {
			for _, v := range strings.Split(value, ",") {
				if v = strings.TrimSpace(v); v != "" {
					candidates = append(candidates, v)
				}
			}
		}
	}
	if len(candidates) == 0 {
		return ErrMissingSignature
	}
	for _, sig := range candidates {
		if Verify(body, sig, keys...) == nil {
			return nil
		}
	}
	return ErrInvalidSignature
}
