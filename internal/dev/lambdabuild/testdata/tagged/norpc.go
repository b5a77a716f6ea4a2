//go:build lambda.norpc

package main

func init() { tags = append(tags, "lambda.norpc") }
