package periskope

import (
	"errors"
	"sync/atomic"
	"testing"
)

// CountMACs makes every HMAC the verifier computes count, until the test
// ends, and returns the count so far.
func CountMACs(t testing.TB) func() int {
	var n atomic.Int64
	orig := macFunc
	macFunc = func(body []byte, key string) []byte {
		n.Add(1)
		return orig(body, key)
	}
	t.Cleanup(func() { macFunc = orig })
	return func() int { return int(n.Load()) }
}

// Decodings are the package's decodings by name, each from a whole JSON
// text.
var Decodings = map[string]func(b []byte) (any, error){
	"decodeTicketInfo": func(b []byte) (any, error) { return decodeTicketInfo(b) },
	"TicketInfo":       func(b []byte) (any, error) { var v TicketInfo; err := v.UnmarshalJSON(b); return &v, err },
	"Ticket":           func(b []byte) (any, error) { var v Ticket; err := v.UnmarshalJSON(b); return &v, err },
	"Chat":             func(b []byte) (any, error) { var v Chat; err := decodeInto(&v, b); return &v, err },
	"ChatMember": func(b []byte) (any, error) {
		var v ChatMember
		err := decodeInto(&v, b)
		return &v, err
	},
	"Message":           func(b []byte) (any, error) { var v Message; err := decodeInto(&v, b); return &v, err },
	"TicketList":        func(b []byte) (any, error) { var v TicketList; err := v.UnmarshalJSON(b); return &v, err },
	"Event":             func(b []byte) (any, error) { v, _, err := decodeEvent(b); return &v, err },
	"bare ticket array": func(b []byte) (any, error) { return decodeTicketArray(b) },
}

// The limits and helpers the tests check, unexported in the API.
const MaxResponseBytes = maxResponseBytes

// StaticKey is the KeyProvider of WithAPIKey.
type StaticKey = staticKey

// VerifyHeaders is ConstructEvent's verification.
var VerifyHeaders = verifyHeaders

// MaxSignatures is how many candidates one delivery may carry.
const MaxSignatures = maxSignatures

// ValidationField is the field a request refused before sending names, or
// "" when err is no such refusal.
func ValidationField(err error) string {
	var ve *validationError
	if errors.As(err, &ve) {
		return ve.field
	}
	return ""
}
