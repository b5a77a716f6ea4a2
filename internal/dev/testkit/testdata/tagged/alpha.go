//go:build testkit_alpha

package main

func init() { tags = append(tags, "alpha") }
