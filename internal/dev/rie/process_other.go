//go:build !unix

package rie

import (
	"os"
	"os/exec"
)

var terminateSignal = os.Kill

func setProcessAttributes(*exec.Cmd) {}

func killAll(int, []int) {}

func killGroup(int) {}

func childPIDs(int) []int { return nil }

func adoptOrphans() {}

func killOrphans(leftovers) {}
