// Package periskope is a client for the Periskope tickets API and a
// verifier and parser for Periskope webhooks. It uses only the standard
// library; run go doc -ex for the examples.
//
// A Client is safe for concurrent use. It retries 429s after the rate limit
// resets, and reads and updates after 5xx answers and timeouts; a create
// only where Periskope certainly did not process it (see NeverSent). It
// never follows a redirect, so the API key goes nowhere but the base URL.
//
// Periskope's payloads are loosely typed, so the model types decode
// tolerantly: null, missing or mistyped members give zero values and
// unknown members are ignored; only input that is not JSON, not an object,
// or repeats a member name fails. Identifiers are the exception, as they
// become keys: see ErrInvalidID. The Raw fields keep the exact bytes.
package periskope
