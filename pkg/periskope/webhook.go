package periskope

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"slices"
	"strings"
)

// Sign returns the hex HMAC-SHA256 of body keyed with the signing key.
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

// Verify checks body's signature under each non-empty key, in constant time.
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
	return Signatures{sum}.Verify(body, keys...)
}

func hasKey(keys []string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return k != "" })
}

// maxSignatures bounds the candidates of one delivery, so junk costs at
// most this many hex decodings.
const maxSignatures = 4

// decodeSignature reads one candidate: exactly 64 hex digits, either case.
func decodeSignature(s string) (sum [sha256.Size]byte, ok bool) {
	if len(s) != hex.EncodedLen(sha256.Size) {
		return sum, false
	}
	_, err := hex.Decode(sum[:], []byte(s))
	return sum, err == nil
}

// Signatures are the well-formed signature candidates of one delivery.
type Signatures [][sha256.Size]byte

// ParseSignatures reads the signatures before any key; over four is an error.
func ParseSignatures(headers map[string]string) (Signatures, error) {
	// The header name matches in any case; each comma-separated value is a
	// candidate, and malformed candidates beside a well-formed one are
	// ignored. Hex is compared as bytes, so upper case is the same MAC.
	var s Signatures
	n := 0
	for name, value := range headers {
		if !strings.EqualFold(name, SignatureHeader) {
			continue
		}
		for v := range strings.SplitSeq(value, ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if n++; n > maxSignatures {
				return nil, fmt.Errorf("%w: more than %d signatures", ErrInvalidSignature, maxSignatures)
			}
			if sum, ok := decodeSignature(v); ok {
				s = append(s, sum)
			}
		}
	}
	switch {
	case n == 0:
		return nil, ErrMissingSignature
	case len(s) == 0:
		return nil, fmt.Errorf("%w: no signature of 64 hex digits", ErrInvalidSignature)
	}
	return s, nil
}

// Verify checks the candidates against body, computing one HMAC per key.
func (s Signatures) Verify(body []byte, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	for _, key := range keys {
		if key == "" {
			continue
		}
		want := macFunc(body, key)
		for _, sum := range s {
			if hmac.Equal(sum[:], want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// verifyHeaders is ParseSignatures then Signatures.Verify, a missing key
// reported first.
func verifyHeaders(body []byte, headers map[string]string, keys ...string) error {
	if !hasKey(keys) {
		return ErrNoSigningKeys
	}
	sigs, err := ParseSignatures(headers)
	if err != nil {
		return err
	}
	return sigs.Verify(body, keys...)
}

// Event is the envelope of every webhook delivery.
type Event struct {
	Type               string          `json:"event"` // "event", or "event_type" in some deliveries
	OrgID              string          `json:"org_id"`
	Data               json.RawMessage `json:"data"`                // nil when missing or null
	PreviousAttributes json.RawMessage `json:"previous_attributes"` // nil when missing or null
	Timestamp          string          `json:"timestamp"`
	Raw                json.RawMessage `json:"-"`
}

// ParseEvent decodes a verified webhook body, or fails with ErrMalformedEvent.
func ParseEvent(body []byte) (*Event, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformedEvent)
	}
	e, badID, err := decodeEvent(body)
	switch {
	case err != nil:
		return nil, err
	case badID != "":
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, &FieldError{Field: badID})
	case e.Type == "":
		return nil, fmt.Errorf("%w: no event name", ErrMalformedEvent)
	}
	return &e, nil
}

// ConstructEvent is ParseSignatures, Signatures.Verify, then ParseEvent.
func ConstructEvent(body []byte, headers map[string]string, keys ...string) (*Event, error) {
	if err := verifyHeaders(body, headers, keys...); err != nil {
		return nil, err
	}
	return ParseEvent(body)
}

// TicketInfo decodes a ticket.* event's Data, also sent as a JSON string.
func (e *Event) TicketInfo() (*TicketInfo, error) {
	if !strings.HasPrefix(e.Type, "ticket.") {
		return nil, fmt.Errorf("%w: %q", ErrNotTicketEvent, e.Type)
	}
	data := bytes.TrimSpace(e.Data)
	if len(data) > 0 && data[0] == '"' {
		if !jsontext.Value(data).IsValid(decodeOptions()) {
			return nil, fmt.Errorf("%w: data: invalid JSON string", ErrMalformedEvent)
		}
		data = unwrapText(data)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: no data", ErrMalformedEvent)
	}
	ti, err := decodeTicketInfo(data)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrMalformedEvent, err)
	}
	if ti.Ticket != nil {
		if err := ti.Ticket.checkIDs("ticket."); err != nil {
			return nil, fmt.Errorf("%w: data: %w", ErrMalformedEvent, err)
		}
	}
	return ti, nil
}
