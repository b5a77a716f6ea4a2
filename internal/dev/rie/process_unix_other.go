//go:build unix && !linux

package rie

import "syscall"

// setParentDeathSignal does nothing where the OS has no such signal.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// childPIDs is not known without Linux's /proc.
func childPIDs(int) []int { return nil }

// adoptOrphans and killOrphans need Linux's child subreaper and /proc.
func adoptOrphans()         {}
func killOrphans(leftovers) {}
