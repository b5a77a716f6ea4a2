//go:build unix && !linux

package lambdaemu

import "syscall"

// setParentDeathSignal does nothing where the OS has no such signal.
func setParentDeathSignal(*syscall.SysProcAttr) {}
