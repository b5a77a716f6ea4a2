// Package periskope is a client for the Periskope tickets API and a
// verifier and parser for Periskope webhooks (go doc -ex for examples).
//
// A Client is safe for concurrent use. It retries 429s, reads and updates
// after 5xx answers and timeouts, and a create only when NeverSent. It
// never follows a redirect, so the API key goes nowhere but the base URL.
//
// The model types decode Periskope's loosely typed payloads tolerantly:
// null, missing or mistyped members read as zero values, unknown ones are
// ignored. Only input that is not a JSON object or repeats a member name
// fails, as do inexact identifiers (ErrInvalidID). Raw fields keep the bytes.
package periskope
