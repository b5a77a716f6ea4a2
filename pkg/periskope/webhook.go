package periskope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SignatureHeader is the header carrying a webhook's signature: the hex
// HMAC-SHA256 of the raw body keyed with the organisation's signing key.
const SignatureHeader = "x-periskope-signature"

// MaxSignatures is the most signature candidates VerifyHeaders and
// ParseSignatures accept in one delivery. Periskope sends one; API Gateway
// joins a header sent more than once with commas. A delivery with more is
// refused before any HMAC is computed, so a flood of candidates costs
// nothing.
const MaxSignatures = 4

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

// macFunc computes every HMAC the verifier compares; the tests count them.
var macFunc = mac

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
	sum, ok := decodeSignature(signature)
	if !ok {
		return ErrInvalidSignature
	}
	return Signatures{sums: [][sha256.Size]byte{sum}}.Verify(body, keys...)
}

func hasKey(keys []string) bool {
	for _, k := range keys {
		if k != "" {
			return true
		}
	}
	return false
}

// decodeSignature reads one candidate: exactly 64 hex digits, either case.
func decodeSignature(s string) (sum [sha256.Size]byte, ok bool) {
	if len(s) != hex.EncodedLen(sha256.Size) {
		return sum, false
	}
	_, err := hex.Decode(sum[:], []byte(s))
	return sum, err == nil
}

// Signatures are the well-formed signature candidates of one delivery, as
// ParseSignatures read them. The zero value holds none and verifies
// nothing.
type Signatures struct {
	sums [][sha256.Size]byte
}

// ParseSignatures reads the signature candidates of a delivery from its
// headers (SignatureHeader in any case; comma-separated values are
// candidates each), without a key and without hashing the body: a delivery
// refused here costs neither a secret read nor an HMAC.
//
// No candidate is ErrMissingSignature. More than MaxSignatures candidates,
// or none of 64 hex digits, is an error wrapping ErrInvalidSignature.
// Malformed candidates among well-formed ones are ignored.
func ParseSignatures(headers map[string]string) (Signatures, error) {
	var values []string
	for name, value := range headers {
		if !strings.EqualFold(name, SignatureHeader) {
			continue
		}
		for v := range strings.SplitSeq(value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if len(values) == MaxSignatures {
				return Signatures{}, fmt.Errorf("%w: more than %d signatures", ErrInvalidSignature, MaxSignatures)
			}
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return Signatures{}, ErrMissingSignature
	}
	var s Signatures
	for _, v := range values {
		if sum, ok := decodeSignature(v); ok {
			s.sums = append(s.sums, sum)
		}
	}
	if len(s.sums) == 0 {
		return Signatures{}, fmt.Errorf("%w: no signature of 64 hex digits", ErrInvalidSignature)
	}
	return s, nil
}

// Verify reports whether any candidate is the HMAC of body under any key.
// Each non-empty key's HMAC is computed once, however many candidates there
// are, and compared with each in constant time. It fails with
// ErrNoSigningKeys when no key is given and ErrInvalidSignature when none
// matches.
func (s Signatures) Verify(body []byte, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	for _, key := range keys {
		if key == "" {
			continue
		}
		want := macFunc(body, key)
		for _, sum := range s.sums {
			if hmac.Equal(sum[:], want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// VerifyHeaders finds SignatureHeader in headers, whatever its case, and
// verifies it as Verify does. A header that arrived more than once (API
// Gateway joins the values with commas) passes if any of its values does;
// see ParseSignatures for the limits on them.
func VerifyHeaders(body []byte, headers map[string]string, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	sigs, err := ParseSignatures(headers)
	if err != nil {
		return err
	}
	return sigs.Verify(body, keys...)
}
