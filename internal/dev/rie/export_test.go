package rie

import (
	"os"
	"strconv"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// ExitedOf returns the channel closed when the emulator process pid of f
// has exited, or nil when f has no environment of that process.
func ExitedOf(f *Function, pid int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, env := range f.all {
		if env.pid() == pid {
			return env.exited
		}
	}
	return nil
}

// ChildState is pid's state letter ("Z": a zombie) while it is this
// process's child, else "": it was reaped, or the id is another process's.
func ChildState(pid int) string {
	_, fields, ok := local.ProcStat(pid)
	if !ok || len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
		return ""
	}
	return fields[0]
}
