package periskope_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// The webhook route is public: these tests bound what a request costs the
// verifier before it is refused, in HMACs counted, not in time.

// junkSignatures returns n distinct well-formed signatures matching no key.
func junkSignatures(n int) []string {
	sigs := make([]string, n)
	for i := range sigs {
		sigs[i] = periskope.Sign([]byte{byte(i), byte(i >> 8)}, "not-a-configured-key")
	}
	return sigs
}

func TestSignatureCandidatesAreLimited(t *testing.T) {
	d := validDelivery(t)
	valid := d.headers[periskope.SignatureHeader]
	tests := []struct {
		name       string
		candidates []string
		want       error
	}{
		{"the valid one among MaxSignatures", append(junkSignatures(periskope.MaxSignatures-1), valid), nil},
		{"the valid one among MaxSignatures+1", append(junkSignatures(periskope.MaxSignatures), valid), periskope.ErrInvalidSignature},
		{"the valid one among malformed ones", []string{"zz", valid, "sha256=" + valid}, nil},
		{"empty candidates do not count", append(append(junkSignatures(periskope.MaxSignatures-1), " ", ""), valid), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := map[string]string{periskope.SignatureHeader: strings.Join(tt.candidates, ",")}
			if err := periskope.VerifyHeaders(d.body, headers, d.keys...); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifyHeaders = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyComputesEachKeyOnce(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 190<<10)
	keys := []string{"current-key", "previous-key"}
	tests := []struct {
		name       string
		candidates []string
		wantMACs   int
	}{
		// Refused before any HMAC: too many candidates, or none well-formed.
		{"155 candidates", junkSignatures(155), 0},
		{"MaxSignatures malformed candidates", []string{"zz", "12", strings.Repeat("g", 64), "sha256=00"}, 0},
		// One HMAC per key, whatever the number of candidates.
		{"one candidate", junkSignatures(1), len(keys)},
		{"MaxSignatures candidates", junkSignatures(periskope.MaxSignatures), len(keys)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			macs := periskope.CountMACs(t)
			headers := map[string]string{periskope.SignatureHeader: strings.Join(tt.candidates, ",")}
			if err := periskope.VerifyHeaders(body, headers, keys...); !errors.Is(err, periskope.ErrInvalidSignature) {
				t.Fatalf("VerifyHeaders = %v, want ErrInvalidSignature", err)
			}
			if got := macs(); got != tt.wantMACs {
				t.Errorf("%d HMACs of the body, want %d", got, tt.wantMACs)
			}
		})
	}
}

func TestParseSignaturesNeedsNoKey(t *testing.T) {
	d := validDelivery(t)
	valid := d.headers[periskope.SignatureHeader]
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"one valid", valid, nil},
		{"missing", "", periskope.ErrMissingSignature},
		{"only commas and spaces", " , ,", periskope.ErrMissingSignature},
		{"none well-formed", "zz,sha256=" + valid + "," + valid[:63], periskope.ErrInvalidSignature},
		{"too many", strings.Join(junkSignatures(periskope.MaxSignatures+1), ","), periskope.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			macs := periskope.CountMACs(t)
			sigs, err := periskope.ParseSignatures(map[string]string{"X-Periskope-Signature": tt.header})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("ParseSignatures = %v, want %v", err, tt.want)
			}
			if macs() != 0 {
				t.Errorf("ParseSignatures computed %d HMACs", macs())
			}
			if err == nil {
				if verr := sigs.Verify(d.body, d.keys...); verr != nil {
					t.Errorf("Verify = %v", verr)
				}
				if verr := sigs.Verify(d.body); !errors.Is(verr, periskope.ErrNoSigningKeys) {
					t.Errorf("Verify without keys = %v, want ErrNoSigningKeys", verr)
				}
			}
		})
	}
}
