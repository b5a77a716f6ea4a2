package periskope_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const signingKey = "local-signing-key"

func TestSignIsLowercaseHexHMACSHA256(t *testing.T) {
	// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
	got := periskope.Sign([]byte("what do ya want for nothing?"), "Jefe")
	want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// delivery is one webhook request as the verifier sees it.
type delivery struct {
	body    []byte
	headers map[string]string
	keys    []string
}

// validDelivery is the baseline: the ticket.created sample signed with the
// local key under the lower-case header API Gateway delivers.
func validDelivery(t *testing.T) delivery {
	body := fixture(t, "ticket-created.json")
	return delivery{
		body:    body,
		headers: map[string]string{periskope.SignatureHeader: periskope.Sign(body, signingKey), "content-type": "application/json"},
		keys:    []string{signingKey},
	}
}

func TestVerifyHeaders(t *testing.T) {
	sig := func(d delivery) string { return d.headers[periskope.SignatureHeader] }
	tests := []struct {
		name   string
		mutate func(*delivery)
		want   error
	}{
		{"valid baseline", func(*delivery) {}, nil},
		{"wrong key", func(d *delivery) { d.keys = []string{"another-key"} }, periskope.ErrInvalidSignature},
		{"tampered byte", func(d *delivery) {
			d.body = bytes.Clone(d.body)
			i := bytes.Index(d.body, []byte("TICKET-12345"))
			d.body[i+len("TICKET-1234")] = '6'
		}, periskope.ErrInvalidSignature},
		{"byte appended", func(d *delivery) { d.body = append(bytes.Clone(d.body), '\n') }, periskope.ErrInvalidSignature},
		{"missing header", func(d *delivery) { delete(d.headers, periskope.SignatureHeader) }, periskope.ErrMissingSignature},
		{"empty header", func(d *delivery) { d.headers[periskope.SignatureHeader] = " " }, periskope.ErrMissingSignature},
		{"upper-case hex", func(d *delivery) { d.headers[periskope.SignatureHeader] = strings.ToUpper(sig(*d)) }, nil},
		{"surrounding spaces", func(d *delivery) { d.headers[periskope.SignatureHeader] = " " + sig(*d) + "\t" }, nil},
		{"header name in canonical case", func(d *delivery) {
			d.headers["X-Periskope-Signature"] = sig(*d)
			delete(d.headers, periskope.SignatureHeader)
		}, nil},
		{"header name in upper case", func(d *delivery) {
			d.headers["X-PERISKOPE-SIGNATURE"] = sig(*d)
			delete(d.headers, periskope.SignatureHeader)
		}, nil},
		{"rotation: signed with the previous key", func(d *delivery) { d.keys = []string{"new-key", signingKey} }, nil},
		{"rotation: signed with the current key", func(d *delivery) {
			d.keys = []string{"new-key", signingKey}
			d.headers[periskope.SignatureHeader] = periskope.Sign(d.body, "new-key")
		}, nil},
		{"rotation: neither key", func(d *delivery) { d.keys = []string{"new-key", "old-key"} }, periskope.ErrInvalidSignature},
		{"empty keys are ignored", func(d *delivery) { d.keys = []string{"", signingKey, ""} }, nil},
		{"only empty keys", func(d *delivery) { d.keys = []string{"", ""} }, periskope.ErrNoSigningKeys},
		{"no keys", func(d *delivery) { d.keys = nil }, periskope.ErrNoSigningKeys},
		{"no keys and no header", func(d *delivery) { d.keys = nil; d.headers = nil }, periskope.ErrNoSigningKeys},
		{"empty body signed", func(d *delivery) {
			d.body = nil
			d.headers[periskope.SignatureHeader] = periskope.Sign(nil, signingKey)
		}, nil},
		{"empty body with the baseline signature", func(d *delivery) { d.body = []byte{} }, periskope.ErrInvalidSignature},
		{"truncated signature", func(d *delivery) { d.headers[periskope.SignatureHeader] = sig(*d)[:63] }, periskope.ErrInvalidSignature},
		{"truncated by a byte", func(d *delivery) { d.headers[periskope.SignatureHeader] = sig(*d)[:62] }, periskope.ErrInvalidSignature},
		{"extended signature", func(d *delivery) { d.headers[periskope.SignatureHeader] = sig(*d) + "00" }, periskope.ErrInvalidSignature},
		{"not hex", func(d *delivery) { d.headers[periskope.SignatureHeader] = "zz" + sig(*d)[2:] }, periskope.ErrInvalidSignature},
		{"sha256= prefix", func(d *delivery) { d.headers[periskope.SignatureHeader] = "sha256=" + sig(*d) }, periskope.ErrInvalidSignature},
		{"base64 instead of hex", func(d *delivery) {
			d.headers[periskope.SignatureHeader] = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
		}, periskope.ErrInvalidSignature},
		{"header sent twice, joined by API Gateway", func(d *delivery) {
			d.headers[periskope.SignatureHeader] = strings.Repeat("0", 64) + "," + sig(*d)
		}, nil},
		{"compact re-encoding was signed, raw bytes arrive", func(d *delivery) {
			var compact bytes.Buffer
			if err := json.Compact(&compact, d.body); err != nil {
				t.Fatal(err)
			}
			d.headers[periskope.SignatureHeader] = periskope.Sign(compact.Bytes(), signingKey)
		}, periskope.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDelivery(t)
			tt.mutate(&d)
			err := periskope.VerifyHeaders(d.body, d.headers, d.keys...)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifyHeaders = %v, want %v", err, tt.want)
			}
			// Verify, given the header value, agrees (a comma-joined
			// header is VerifyHeaders' business only).
			var value string
			for k, v := range d.headers {
				if strings.EqualFold(k, periskope.SignatureHeader) {
					value = v
				}
			}
			if !strings.Contains(value, ",") {
				if err2 := periskope.Verify(d.body, value, d.keys...); !errors.Is(err2, tt.want) || (err2 == nil) != (err == nil) {
					t.Errorf("Verify = %v, VerifyHeaders = %v", err2, err)
				}
			}
		})
	}
}

func TestVerify(t *testing.T) {
	d := validDelivery(t)
	sig := d.headers[periskope.SignatureHeader]
	if err := periskope.Verify(d.body, sig, signingKey); err != nil {
		t.Errorf("Verify(valid) = %v", err)
	}
	if err := periskope.Verify(d.body, "", signingKey); !errors.Is(err, periskope.ErrMissingSignature) {
		t.Errorf("Verify(no signature) = %v", err)
	}
	if err := periskope.Verify(d.body, sig); !errors.Is(err, periskope.ErrNoSigningKeys) {
		t.Errorf("Verify(no keys) = %v", err)
	}
	if err := periskope.Verify(d.body, sig[:10], signingKey); !errors.Is(err, periskope.ErrInvalidSignature) {
		t.Errorf("Verify(short) = %v", err)
	}
}

func TestConstructEvent(t *testing.T) {
	d := validDelivery(t)
	e, err := periskope.ConstructEvent(d.body, d.headers, d.keys...)
	if err != nil || e.Type != periskope.EventTicketCreated {
		t.Fatalf("ConstructEvent = %+v, %v", e, err)
	}
	if _, err := periskope.ConstructEvent(d.body, d.headers, "wrong"); !errors.Is(err, periskope.ErrInvalidSignature) {
		t.Errorf("wrong key: %v", err)
	}
	body := []byte(`{"data":{}}`) // signed, but no event name
	if _, err := periskope.ConstructEvent(body, map[string]string{periskope.SignatureHeader: periskope.Sign(body, signingKey)}, signingKey); !errors.Is(err, periskope.ErrMalformedEvent) {
		t.Errorf("signed malformed event: %v", err)
	}
}
