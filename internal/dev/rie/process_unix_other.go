//go:build unix && !linux

package rie

import "syscall"

// Without Linux's parent death signal and child subreaper, a harness killed
// without cleaning up leaves its emulators and their bootstraps running.
func setParentDeathSignal(*syscall.SysProcAttr) {}
func adoptOrphans()                             {}
