// Package periskope is a Go client for the Periskope API (tickets) and the
// types and verifier for Periskope webhooks.
//
// A Client is safe for concurrent use. Build it once and share it:
//
//	c, err := periskope.New(
//		periskope.WithAPIKey("key"),
//		periskope.WithPhone("919876543210"),
//	)
//
// Webhook deliveries are verified with Verify (or VerifyHeaders) against the
// raw request body before they are parsed with ParseEvent.
package periskope
