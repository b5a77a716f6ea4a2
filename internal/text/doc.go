// Package text holds the module's small rules about text, one place for
// each: the ASCII byte classes of the functions' input checks, reading and
// checking the variables the functions take from their environment and the
// AWS names in them, and Escape, which makes stored text safe to show on
// an operator's terminal.
//
// The checks are hand-written rather than regular expressions: compiling a
// pattern with bounded repetition such as {3,255} at package init
// measurably slowed the functions' cold start (see BENCHMARKS.md).
package text
