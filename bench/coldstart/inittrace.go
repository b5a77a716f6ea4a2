package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

// pkgInit is the cost of one package's init functions.
type pkgInit struct {
	pkg   string
	clock time.Duration
	bytes int64
}

// initTrace runs bin with GODEBUG=inittrace=1 (outside the emulator: the
// trace is printed before main, which then fails for want of a Runtime API)
// runs times, and returns the median total package-init time and the
// heaviest packages of the median run.
func initTrace(bin string, runs int) (time.Duration, []pkgInit, error) {
	type run struct {
		total time.Duration
		pkgs  []pkgInit
	}
	var all []run
	for range runs {
		cmd := exec.Command(bin)
		cmd.Env = []string{"GODEBUG=inittrace=1"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run() // exits non-zero without AWS_LAMBDA_RUNTIME_API
		var r run
		for line := range strings.Lines(stderr.String()) {
			var p pkgInit
			var at, ms float64
			if _, err := fmt.Sscanf(line, "init %s @%f ms, %f ms clock, %d bytes,", &p.pkg, &at, &ms, &p.bytes); err != nil {
				continue
			}
			p.clock = time.Duration(ms * float64(time.Millisecond))
			r.total += p.clock
			r.pkgs = append(r.pkgs, p)
		}
		if len(r.pkgs) == 0 {
			return 0, nil, fmt.Errorf("%s printed no init trace: %s", bin, stderr.String())
		}
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b run) int { return int(a.total - b.total) })
	median := all[len(all)/2]
	slices.SortFunc(median.pkgs, func(a, b pkgInit) int { return int(b.clock - a.clock) })
	return median.total, median.pkgs[:min(4, len(median.pkgs))], nil
}

func printInitTraces(bins []benchkit.Target, paths map[benchkit.Target]string) error {
	const runs = 7
	fmt.Printf("\nPackage initialisation (GODEBUG=inittrace=1, median of %d runs outside the emulator): the part of init that runs before main.\n\n", runs)
	fmt.Println("| binary | package init total | heaviest packages (clock, allocated) |")
	fmt.Println("| --- | ---: | --- |")
	for _, t := range bins {
		total, top, err := initTrace(paths[t], runs)
		if err != nil {
			return err
		}
		var parts []string
		for _, p := range top {
			name := strings.NewReplacer("github.com/aws/aws-sdk-go-v2/", "sdk/", "github.com/periskope-connect/periskope-aws/", "").Replace(p.pkg)
			parts = append(parts, fmt.Sprintf("%s %.2f ms, %d KB", name, float64(p.clock.Microseconds())/1000, p.bytes/1024))
		}
		fmt.Printf("| %s | %s | %s |\n", t.Name, benchkit.Ms(total), strings.Join(parts, "; "))
	}
	return nil
}
