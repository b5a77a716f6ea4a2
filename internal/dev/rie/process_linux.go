package rie

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// setParentDeathSignal makes Linux stop the emulator if the harness dies
// without cleaning up (kill -9, a crashed test binary). SIGTERM, not
// SIGKILL: the emulator then stops its bootstrap too.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGTERM
}

// childPIDs lists the children of pid from /proc/<pid>/task/*/children: a
// Go process forks from any of its threads.
func childPIDs(pid int) []int {
	files, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(field); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// adoptOrphans makes this process the reaper of its descendants' orphans,
// once: the emulator starts each bootstrap in a process group of its own,
// so a bootstrap outlives an emulator that was killed, and without this it
// would become init's child, out of the harness's reach.
var adoptOrphans = sync.OnceFunc(func() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
})

// killOrphans kills and reaps the children of this process that run
// bootstrap: a live bootstrap is its emulator's child, so these are the
// ones a dead emulator left behind.
func killOrphans(bootstrap string) {
	for _, pid := range childPIDs(os.Getpid()) {
		if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err != nil || exe != bootstrap {
			continue
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		var status syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &status, 0, nil)
	}
}
