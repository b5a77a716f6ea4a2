package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTree writes a fake root: proc/self/mountinfo with lines, and the
// files given (path relative to root: content). Directories end in "/".
func fakeTree(t *testing.T, mountinfo []string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["proc/self/mountinfo"] = strings.Join(mountinfo, "\n") + "\n"
	for path, content := range files {
		full := filepath.Join(root, path)
		if strings.HasSuffix(path, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// openIn opens the group "bench" in the fake tree root and checks which
// cgroup version it went through.
func openIn(t *testing.T, root, wantVersion string) *cpuGroup {
	t.Helper()
	g, err := openCPUGroup(root, "bench")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(g.Interface, wantVersion) {
		t.Fatalf("Interface = %q, want %s", g.Interface, wantVersion)
	}
	return g
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Mount lines as /proc/self/mountinfo has them.
const (
	mountTmpfs    = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755"
	mountV1CPU    = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu"
	mountV1Memory = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"
	mountV2Hybrid = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"
	mountV2Only   = "30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate"
)

func TestQuotaIsProportionalToMemory(t *testing.T) {
	for _, c := range []struct {
		mb   int
		want time.Duration
	}{
		{128, 1447 * time.Microsecond}, // 20 ms × 128/1769 = 1.4472 ms
		{256, 2894 * time.Microsecond},
		{1024, 11577 * time.Microsecond},
		{1769, 20 * time.Millisecond},
		{64, 1 * time.Millisecond}, // 0.72 ms: raised to the kernel's minimum
	} {
		if got := QuotaFor(c.mb).Truncate(time.Microsecond); got != c.want {
			t.Errorf("QuotaFor(%d) = %v, want %v", c.mb, got, c.want)
		}
	}
}

// A hybrid machine (this one): the v2 hierarchy lacks cpu, the v1 cpu
// hierarchy is used with the v1 files.
func TestHybridMachineUsesCgroupV1(t *testing.T) {
	root := fakeTree(t, []string{mountTmpfs, mountV1CPU, mountV1Memory, mountV2Hybrid}, map[string]string{
		"sys/fs/cgroup/cpu/":                           "",
		"sys/fs/cgroup/unified/cgroup.controllers":     "hugetlb\n",
		"sys/fs/cgroup/unified/cgroup.subtree_control": "",
	})
	g := openIn(t, root, "cgroup v1")
	dir := filepath.Join(root, "sys/fs/cgroup/cpu/bench")
	if err := g.SetQuota(QuotaFor(128)); err != nil {
		t.Fatal(err)
	}
	if err := g.Add(4242); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"cpu.cfs_period_us": "20000", "cpu.cfs_quota_us": "1447", "cgroup.procs": "4242"} {
		if got := readFile(t, filepath.Join(dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if got := readFile(t, filepath.Join(root, "sys/fs/cgroup/unified/cgroup.subtree_control")); got != "" {
		t.Errorf("the v2 hierarchy without cpu was written: subtree_control = %q", got)
	}
	if err := g.SetQuota(-1); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "cpu.cfs_quota_us")); got != "-1" {
		t.Errorf("lifted quota = %q, want -1", got)
	}
}

// A cgroup v2 machine with the cpu controller: cpu.max, after enabling cpu
// for the children.
func TestCgroupV2IsPreferredWhenItHasCPU(t *testing.T) {
	root := fakeTree(t, []string{mountV1CPU, mountV2Only}, map[string]string{
		"sys/fs/cgroup/cgroup.controllers":     "cpuset cpu io memory pids\n",
		"sys/fs/cgroup/cgroup.subtree_control": "",
		"sys/fs/cgroup/cpu/":                   "",
	})
	g := openIn(t, root, "cgroup v2")
	if err := g.SetQuota(QuotaFor(512)); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "sys/fs/cgroup/bench/cpu.max")); got != "5788 20000" {
		t.Errorf("cpu.max = %q, want %q", got, "5788 20000")
	}
	if got := readFile(t, filepath.Join(root, "sys/fs/cgroup/cgroup.subtree_control")); got != "+cpu" {
		t.Errorf("subtree_control = %q, want +cpu", got)
	}
	if _, err := os.Stat(filepath.Join(root, "sys/fs/cgroup/cpu/bench")); !os.IsNotExist(err) {
		t.Errorf("a v1 group was made too: %v", err)
	}
}

// A v2 hierarchy with cpu that cannot be written falls back to v1.
func TestUnwritableCgroupV2FallsBackToV1(t *testing.T) {
	root := fakeTree(t, []string{mountV2Hybrid, mountV1CPU}, map[string]string{
		"sys/fs/cgroup/unified/cgroup.controllers": "cpu memory\n",
		// A directory where the file should be: every write fails.
		"sys/fs/cgroup/unified/cgroup.subtree_control/": "",
		"sys/fs/cgroup/cpu/":                            "",
	})
	openIn(t, root, "cgroup v1")
}

// No writable CPU controller: a clear error naming each hierarchy's
// reason, and nothing measured.
func TestNoCPUControllerStops(t *testing.T) {
	for name, c := range map[string]struct {
		mounts []string
		files  map[string]string
		why    string
	}{
		"v2 without cpu, v1 without cpu": {
			[]string{mountV1Memory, mountV2Hybrid},
			map[string]string{"sys/fs/cgroup/unified/cgroup.controllers": "hugetlb\n", "sys/fs/cgroup/memory/": ""},
			"no cpu controller",
		},
		"v1 cpu mount point missing": {
			[]string{mountV1CPU},
			map[string]string{},
			"no such file or directory",
		},
		"no cgroup mounted": {
			[]string{mountTmpfs},
			map[string]string{},
			"no cgroup v2 or v1 hierarchy is mounted",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := openCPUGroup(fakeTree(t, c.mounts, c.files), "bench")
			if !errors.Is(err, ErrNoCPUController) || !strings.Contains(err.Error(), c.why) {
				t.Errorf("err = %v, want ErrNoCPUController saying %q", err, c.why)
			}
		})
	}
}
