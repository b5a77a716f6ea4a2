package benchkit

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

// Machine describes where a run happened: core count, CPU model and Go
// version, as BENCHMARKS.md records them.
func Machine() string {
	goVersion := runtime.Version()
	if goTool, err := lambdabuild.GoTool(); err == nil {
		if out, err := exec.Command(goTool, "env", "GOVERSION").Output(); err == nil {
			goVersion = strings.TrimSpace(string(out))
		}
	}
	return fmt.Sprintf("nproc=%d, CPU %q, %s %s/%s", runtime.NumCPU(), cpuModel(), goVersion, runtime.GOOS, runtime.GOARCH)
}

func cpuModel() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(info)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// PeakRSS returns the peak resident set size (VmHWM) of a live process in
// bytes.
func PeakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(rest, "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("benchkit: VmHWM line %q: %w", line, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("benchkit: no VmHWM in /proc/%d/status", pid)
}
