package webhook_test

import (
	"context"
	"testing"
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
			r := newRig()
			r.h.Logger = nil
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
