package main

import (
	"os"

	"example.com/fixture/internal/emf"
	"example.com/fixture/internal/shared"
)

func main() { shared.Refresh(emf.New(os.Stdout, "beta")) }
