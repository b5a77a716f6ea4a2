package webhook_test

import (
	"context"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// BenchmarkHandle measures the function's own work for each kind of
// delivery (body recovery, HMAC, parsing, item building), with the AWS calls
// faked out.
func BenchmarkHandle(b *testing.B) {
	for _, file := range []string{
		"webhook-ticket-created.json",
		"webhook-ticket-created-base64.json",
		"webhook-bad-signature.json",
		"webhook-unsigned.json",
		"webhook-ticket-updated.json",
	} {
		b.Run(file, func(b *testing.B) {
			r := newRig(withoutLog)
			req := sample(b, file)
			b.SetBytes(int64(len(req.Body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.h.Handle(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJunkSignatures measures what junk costs the public route: a
// 190 KiB body with many candidates is refused before any HMAC, and with
// MaxSignatures candidates it costs one HMAC per key (two here) plus one
// per key the refresh adds (none).
func BenchmarkJunkSignatures(b *testing.B) {
	for _, bc := range []struct {
		name       string
		candidates int
	}{
		{"155 candidates", 155},
		{"MaxSignatures candidates", periskope.MaxSignatures},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newRig(withoutLog)
			r.keys.keys = []string{"current-key", "previous-key"}
			req := junkDelivery(b, 190<<10, junkSignatures(bc.candidates))
			b.SetBytes(int64(len(req.Body)))
			for b.Loop() {
				if resp, _ := r.h.Handle(context.Background(), req); resp.StatusCode != 401 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
