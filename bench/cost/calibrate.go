package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// spin is the calibration child: after a line on stdin (it is in the
// cgroup by then) it hashes a 1 KiB block for a second and prints the
// blocks hashed, its CPU time and the wall time in nanoseconds.
func spin() error {
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	block, cpuStart := make([]byte, 1024), cpuTime()
	start, n := time.Now(), 0
	for time.Since(start) < time.Second {
		sum := sha256.Sum256(block)
		block[0] = sum[0]
		n++
	}
	wall := time.Since(start)
	fmt.Println(n, int64(cpuTime()-cpuStart), int64(wall))
	return nil
}

// cpuTime is this process's CPU time: read around the loop, start-up is
// not counted. getrusage(RUSAGE_SELF) fails only on a bad pointer.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// calibration is the CPU share a spin child got (CPU time ÷ wall time) and
// its speed (blocks hashed per CPU millisecond).
type calibration struct {
	MemoryMB  int // 0: no quota
	Share     float64
	BlocksPer float64
}

// calibrate runs a spin child in the group without a quota (as it was
// made) and under each size's.
func calibrate(g *cpuGroup, sizes []int) ([]calibration, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var out []calibration
	for _, mb := range append([]int{0}, sizes...) {
		if mb > 0 {
			if err := g.SetQuota(QuotaFor(mb)); err != nil {
				return nil, err
			}
		}
		c, err := runSpin(self, g)
		if err != nil {
			return nil, fmt.Errorf("calibration at %d MB: %w", mb, err)
		}
		c.MemoryMB = mb
		out = append(out, c)
	}
	return out, nil
}

func runSpin(self string, g *cpuGroup) (calibration, error) {
	cmd := exec.Command(self, "-spin")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return calibration{}, err
	}
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return calibration{}, err
	}
	if err := g.Add(cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return calibration{}, err
	}
	_, _ = stdin.Write([]byte("\n"))
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		return calibration{}, err
	}
	var n, cpu, wall int64
	if _, err := fmt.Sscan(stdout.String(), &n, &cpu, &wall); err != nil || cpu <= 0 || wall <= 0 {
		return calibration{}, fmt.Errorf("spin child printed %q", stdout.String())
	}
	return calibration{Share: float64(cpu) / float64(wall), BlocksPer: float64(n) / (float64(cpu) / 1e6)}, nil
}

// starved are the calibrations more than a tenth short of the quota's
// share: other work took the CPU, so their sizes' durations are not Lambda's.
func starved(calib []calibration) []calibration {
	var out []calibration
	for _, c := range calib {
		if c.MemoryMB > 0 && c.Share < 0.9*float64(c.MemoryMB)/LambdaFullVCPUMB {
			out = append(out, c)
		}
	}
	return out
}
