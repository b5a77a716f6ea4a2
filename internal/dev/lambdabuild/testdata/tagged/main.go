// Command tagged prints which build tags it was built with, so
// lambdabuild's tests can tell that Bootstrap builds like a deployment.
package main

import "fmt"

var tags []string

func main() { fmt.Println(tags) }
