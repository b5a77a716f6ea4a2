package main

import (
	"os"

	"example.com/fixture/internal/alpha"
	"example.com/fixture/internal/emf"
)

func main() { alpha.Run(emf.New(os.Stdout, "alpha")) }
