// Command tagged prints which of its build tags it was built with, so
// testkit's tests can tell that BuildBinary passes them on.
package main

import "fmt"

var tags []string

func main() { fmt.Println(tags) }
