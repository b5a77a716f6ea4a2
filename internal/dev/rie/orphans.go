package rie

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

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

// leftovers names what a killed emulator can leave to this process: its
// bootstraps, running or exited, and a fork not yet turned into one.
type leftovers struct {
	group     int    // the emulator's process group: its process id
	emulator  string // the emulator's executable, by base name
	bootstrap string // the bootstrap executable, symlinks resolved
}

// orphansMu makes looking at a child and reaping it one step: an id is not
// reused before it is reaped, so the id checked is the one killed.
var orphansMu sync.Mutex

// killOrphans kills and reaps the children of this process that the dead
// emulator of l left behind (a zombie stays until reaped here).
func killOrphans(l leftovers) {
	orphansMu.Lock()
	defer orphansMu.Unlock()
	self := os.Getpid()
	for _, pid := range childPIDs(self) {
		if !l.match(pid, self) {
			continue
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		_, _ = syscall.Wait4(pid, nil, 0, nil)
	}
}

// match reports whether pid is a child of self that l's emulator started,
// in its group or in one of its own: the emulator's fork not yet executed,
// or the bootstrap, known by its executable or, once exited, by name. Not
// the emulator itself: its own Wait reaps it.
func (l leftovers) match(pid, self int) bool {
	name, fields, ok := local.ProcStat(pid)
	if !ok || len(fields) < 7 || fields[1] != strconv.Itoa(self) {
		return false
	}
	switch fields[2] {
	case strconv.Itoa(l.group):
		// Not the group's id itself: once the emulator is reaped, its id
		// may be a new child's of this process.
		return pid != l.group
	case strconv.Itoa(pid):
	default:
		return false
	}
	const pfForkNoExec = 0x40 // forked, not yet executed
	if flags, _ := strconv.ParseUint(fields[6], 10, 64); flags&pfForkNoExec != 0 {
		return name == comm(l.emulator)
	}
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil {
		return exe == l.bootstrap
	}
	return name == comm(filepath.Base(l.bootstrap))
}

// comm is the name Linux keeps of a process that executed a file of that
// base name: at most 15 bytes of it.
func comm(name string) string {
	const taskCommLen = 16
	return name[:min(len(name), taskCommLen-1)]
}
