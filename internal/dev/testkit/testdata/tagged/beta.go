//go:build testkit_beta

package main

func init() { tags = append(tags, "beta") }
