package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/webhook"
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
// maxSignatures candidates it costs one HMAC per key (two here) plus one
// per key the refresh adds (none).
func BenchmarkJunkSignatures(b *testing.B) {
	for _, bc := range []struct {
		name       string
		candidates int
	}{
		{"155 candidates", 155},
		{"maxSignatures candidates", maxSignatures},
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

// BenchmarkVerifyLargestDelivery states what the body cap costs: one
// HMAC-SHA256 of the largest real delivery (a 1,024-member group with 100
// attached messages, about 0.5 MB) and of a body at the cap, per key. Read
// MB/s; the time per body is its size divided by that.
func BenchmarkVerifyLargestDelivery(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"1,024 members", samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 100)},
		{"DefaultMaxBodyBytes", bytes.Repeat([]byte("x"), webhook.DefaultMaxBodyBytes)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sig := periskope.Sign(bc.body, localKey)
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				if err := periskope.Verify(bc.body, sig, localKey); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStoreLargeGroup measures building the item of a large group
// (the storage form chosen, gzip included), the work a large delivery adds
// after the signature matched.
func BenchmarkStoreLargeGroup(b *testing.B) {
	for _, members := range []int{450, samples.WhatsAppMaxGroupMembers} {
		b.Run(fmt.Sprintf("%d members", members), func(b *testing.B) {
			r := newRig(withoutLog)
			req := signed(b, samples.LargeGroup(members, 100), localKey)
			b.SetBytes(int64(len(req.Body)))
			for b.Loop() {
				r.store.puts = r.store.puts[:0]
				if resp, _ := r.h.Handle(context.Background(), req); resp.StatusCode != 200 {
					b.Fatalf("status %d %s", resp.StatusCode, resp.Body)
				}
				_ = r.store.puts[0].Item()
			}
		})
	}
}
