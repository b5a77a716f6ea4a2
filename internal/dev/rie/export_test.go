package rie

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
