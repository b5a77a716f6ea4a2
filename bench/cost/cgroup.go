package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LambdaFullVCPUMB is the memory size that gets a full vCPU; below it the
// share is proportional to memory.
const LambdaFullVCPUMB = 1769

// QuotaPeriod is the CFS bandwidth period the quotas are set on.
const QuotaPeriod = 20 * time.Millisecond

// QuotaFor is the CPU time per QuotaPeriod Lambda gives memMB, at least the
// smallest CFS quota the kernel accepts (1 ms).
func QuotaFor(memMB int) time.Duration {
	return max(time.Duration(int64(QuotaPeriod)*int64(memMB)/LambdaFullVCPUMB), time.Millisecond)
}

// cpuGroup is a cgroup with CFS bandwidth control: v2 cpu.max, or v1
// cpu.cfs_quota_us and cpu.cfs_period_us on hybrid hosts whose v2
// hierarchy lacks the cpu controller (this project's machine).
type cpuGroup struct {
	Interface string // what was used, for the report
	dir       string
	v2        bool
}

// ErrNoCPUController is the error when no cgroup CPU controller could be
// written here.
var ErrNoCPUController = errors.New("no writable cgroup CPU controller")

// cpuMounts are the mount points of a mountinfo text that may offer the cpu
// controller: every cgroup v2 one (tryMount checks) and the v1 ones with it.
func cpuMounts(mountinfo string) (v2, v1 []string) {
	for line := range strings.Lines(mountinfo) {
		pre, post, ok := strings.Cut(line, " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		switch {
		case tail[0] == "cgroup2":
			v2 = append(v2, fields[4])
		case tail[0] == "cgroup" && slices.Contains(strings.Split(tail[2], ","), "cpu"):
			v1 = append(v1, fields[4])
		}
	}
	return v2, v1
}

// openCPUGroup creates the cgroup name under root ("/", or a fake tree in
// tests), v2 first. Without a writable one it fails with
// ErrNoCPUController and each hierarchy's reason.
func openCPUGroup(root, name string) (*cpuGroup, error) {
	info, err := os.ReadFile(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("%w: reading mountinfo: %v", ErrNoCPUController, err)
	}
	v2, v1 := cpuMounts(string(info))
	var why []string
	for i, point := range append(v2, v1...) {
		g, err := tryMount(filepath.Join(root, point), i < len(v2), name)
		if err == nil {
			return g, nil
		}
		why = append(why, err.Error())
	}
	if len(why) == 0 {
		why = append(why, "no cgroup v2 or v1 hierarchy is mounted")
	}
	return nil, fmt.Errorf("%w (run as root on a machine whose cgroup cpu controller is writable): %s", ErrNoCPUController, strings.Join(why, "; "))
}

// tryMount creates the group under one mount point and proves it writable.
func tryMount(point string, v2 bool, name string) (*cpuGroup, error) {
	g := &cpuGroup{dir: filepath.Join(point, name), v2: v2, Interface: "cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us at " + point}
	if v2 {
		g.Interface = "cgroup v2 cpu.max at " + point
		controllers, err := os.ReadFile(filepath.Join(point, "cgroup.controllers"))
		if err != nil {
			return nil, fmt.Errorf("cgroup v2 at %s: %v", point, err)
		}
		if !slices.Contains(strings.Fields(string(controllers)), "cpu") {
			return nil, fmt.Errorf("cgroup v2 at %s: no cpu controller (it is bound to a cgroup v1 hierarchy)", point)
		}
		if err := os.WriteFile(filepath.Join(point, "cgroup.subtree_control"), []byte("+cpu"), 0o644); err != nil {
			return nil, fmt.Errorf("cgroup v2 at %s: enabling cpu for children: %v", point, err)
		}
	}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %v", g.Interface, err)
	}
	if err := g.SetQuota(-1); err != nil {
		_ = os.Remove(g.dir)
		return nil, fmt.Errorf("%s: %v", g.Interface, err)
	}
	return g, nil
}

// SetQuota limits the group to quota per QuotaPeriod; a negative quota
// lifts the limit.
func (g *cpuGroup) SetQuota(quota time.Duration) error {
	period := strconv.FormatInt(QuotaPeriod.Microseconds(), 10)
	q := strconv.FormatInt(quota.Microseconds(), 10)
	if g.v2 {
		if quota < 0 {
			q = "max"
		}
		return g.write("cpu.max", q+" "+period)
	}
	if quota < 0 {
		q = "-1"
	}
	if err := g.write("cpu.cfs_period_us", period); err != nil {
		return err
	}
	return g.write("cpu.cfs_quota_us", q)
}

// Add moves process pid into the group, where its children are born.
func (g *cpuGroup) Add(pid int) error {
	return g.write("cgroup.procs", strconv.Itoa(pid))
}

// write creates the file only in a fake tree: on cgroupfs the kernel has.
func (g *cpuGroup) write(file, value string) error {
	return os.WriteFile(filepath.Join(g.dir, file), []byte(value), 0o644)
}

// Remove deletes the group once its processes are gone (a killed one
// leaves a moment after it is reaped).
func (g *cpuGroup) Remove() error {
	var err error
	for range 50 {
		if err = os.Remove(g.dir); err == nil || os.IsNotExist(err) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
