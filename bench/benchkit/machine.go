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
