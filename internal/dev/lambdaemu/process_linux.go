package lambdaemu

import "syscall"

// setParentDeathSignal makes Linux kill the function if the emulator itself
// dies without cleaning up (kill -9, a crashed test binary).
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
