package rie

import (
	"sync"
	"syscall"
)

// setParentDeathSignal stops the emulator if the harness dies without
// cleaning up; SIGTERM, so that it stops its bootstrap too.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGTERM
}

// adoptOrphans makes this process the reaper of its descendants' orphans:
// a bootstrap, in a process group of its own, outlives a killed emulator,
// and would otherwise become init's, out of the harness's reach.
var adoptOrphans = sync.OnceFunc(func() {
	const prSetChildSubreaper = 36
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
})
