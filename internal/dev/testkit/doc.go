// Package testkit holds the small helpers this module's tests share. No
// function binary imports it, nor pkg/periskope (which keeps no tie to this
// module's internals).
package testkit
