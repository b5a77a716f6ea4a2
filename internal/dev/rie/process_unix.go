//go:build unix

package rie

import (
	"os/exec"
	"syscall"
)

// setProcessAttributes puts the emulator in its own process group, so that
// a Ctrl-C at the terminal reaches only the harness, which stops the
// environments in order.
func setProcessAttributes(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// killAll kills the emulator's process group and those of its bootstraps
// (the emulator starts each in a group of its own).
func killAll(pid int, runtimes []int) {
	for _, p := range append(runtimes, pid) {
		if err := syscall.Kill(-p, syscall.SIGKILL); err != nil {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// killGroup kills what is left of the emulator's process group just after
// the emulator was reaped (its bootstraps are in groups of their own:
// killOrphans stops those, and reaps what this kill leaves). The id is not
// reused while a member of the group lives; with none left the kill finds
// nobody.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
