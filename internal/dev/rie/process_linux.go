package rie

import (
	"bytes"
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

// orphansMu makes looking at a child and reaping it one step: only
// killOrphans reaps these processes, and a process id is not reused before
// it is reaped, so the id it checked is the one it kills.
var orphansMu sync.Mutex

// killOrphans kills and reaps the children of this process that a dead
// emulator left behind (a zombie stays until reaped here). A live
// emulator's bootstraps are its children, so only a dead one's become ours.
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
		var status syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &status, 0, nil)
	}
}

// pfForkNoExec is the kernel's PF_FORKNOEXEC: forked, not yet executed.
const pfForkNoExec = 0x40

// match reports whether pid is a child of self that l's emulator started:
// still in its process group (killed just before), or in a group of its
// own, which tells it from a process this one started, and either the
// emulator's fork that has not executed the bootstrap yet (it runs or ran
// the emulator's code), or the bootstrap: running bootstrap or, once it has
// exited and has no executable any more, named name. An exited emulator of
// this process is not matched: it has executed, and its own Wait reaps it.
func (l leftovers) match(pid, self int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ppid pgrp session tty tpgid flags ...: comm may
	// hold spaces and parentheses.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 7 || fields[1] != strconv.Itoa(self) {
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
	name := string(stat[open+1 : end])
	if flags, _ := strconv.ParseUint(fields[6], 10, 64); flags&pfForkNoExec != 0 {
		return name == comm(l.emulator)
	}
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil {
		return exe == l.bootstrap
	}
	return name == comm(l.name)
}

// comm is the name Linux keeps of a process that executed a file of that
// base name: at most 15 bytes of it.
func comm(name string) string {
	const taskCommLen = 16
	return name[:min(len(name), taskCommLen-1)]
}
