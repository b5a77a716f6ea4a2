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

// Verify checks signature against body with each non-empty key (rotation),
// in constant time.
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
type Signatures struct {
	sums [][sha256.Size]byte
}

// ParseSignatures reads a delivery's comma-separated signatures, four at
// most, without a key, so junk is refused before a signing key is fetched.
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
				return Signatures{}, fmt.Errorf("%w: more than %d signatures", ErrInvalidSignature, maxSignatures)
			}
			if sum, ok := decodeSignature(v); ok {
				s.sums = append(s.sums, sum)
			}
		}
	}
	switch {
	case n == 0:
		return Signatures{}, ErrMissingSignature
	case len(s.sums) == 0:
		return Signatures{}, fmt.Errorf("%w: no signature of 64 hex digits", ErrInvalidSignature)
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
		for _, sum := range s.sums {
			if hmac.Equal(sum[:], want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// VerifyHeaders is ParseSignatures followed by Signatures.Verify.
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
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, &FieldError{Field: badID, Err: ErrInvalidID})
	case e.Type == "":
		return nil, fmt.Errorf("%w: no event name", ErrMalformedEvent)
	}
	return &e, nil
}

// ConstructEvent is VerifyHeaders followed by ParseEvent.
func ConstructEvent(body []byte, headers map[string]string, keys ...string) (*Event, error) {
	if err := VerifyHeaders(body, headers, keys...); err != nil {
		return nil, err
	}
	return ParseEvent(body)
}

// TicketInfo decodes Data of a ticket.* event (else ErrNotTicketEvent), also
// sent as a JSON string, whose text is then Raw; it fails as ParseEvent does.
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
