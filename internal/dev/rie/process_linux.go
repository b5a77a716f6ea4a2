package rie

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
