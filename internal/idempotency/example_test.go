package idempotency_test

import (
	"fmt"

	"github.com/periskope-connect/periskope-aws/internal/idempotency"
)

// The record of a key is found by the key's hash; the raw key is never stored.
func ExamplePartitionKey() {
	fmt.Println(idempotency.PartitionKey("5f0c6a9e-8a1b-4c1e-9a55-3b0f1d2e7c41")[:20] + "…")
	fmt.Println(idempotency.ValidateKey("5f0c6a9e-8a1b-4c1e-9a55-3b0f1d2e7c41"))
	fmt.Println(idempotency.ValidateKey("bad\nkey"))
	// Output:
	// IDEMPOTENCY#88da3ad1…
	// <nil>
	// idempotency: invalid key: must be printable ASCII
}
