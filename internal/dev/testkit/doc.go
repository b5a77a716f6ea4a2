// Package testkit holds the small helpers this module's tests share: a
// goroutine-safe output buffer, a metrics recorder and a decoder of JSON
// log lines (bootstraps are built by internal/dev/lambdabuild).
// It is for tests only; no function binary imports it.
//
// pkg/periskope does not use it, so that the public package keeps no tie to
// this module's internals.
package testkit
