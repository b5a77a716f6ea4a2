package idempotency_test

import (
	"fmt"

	"github.com/periskope-connect/periskope-aws/internal/idempotency"
)

// The record of a key is found by the hash of the caller and the key;
// neither is stored. Two callers using the same key have two records.
func ExamplePartitionKey() {
	key := "5f0c6a9e-8a1b-4c1e-9a55-3b0f1d2e7c41"
	fmt.Println(idempotency.PartitionKey(idempotency.Key{Caller: "iam:arn:aws:iam::123456789012:user/alice", Value: key})[:20] + "…")
	fmt.Println(idempotency.PartitionKey(idempotency.Key{Caller: "iam:arn:aws:iam::123456789012:user/bob", Value: key})[:20] + "…")
	fmt.Println(idempotency.ValidateKey("5f0c6a9e-8a1b-4c1e-9a55-3b0f1d2e7c41"))
	fmt.Println(idempotency.ValidateKey("bad\nkey"))
	// Output:
	// IDEMPOTENCY#26948177…
	// IDEMPOTENCY#d4e36b35…
	// <nil>
	// idempotency: invalid key: must be printable ASCII
}
