package rie

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A fork still in the dead emulator's process group is reaped.
func TestKillOrphansReapsAForkLeftInTheEmulatorsGroup(t *testing.T) {
	adoptOrphans()
	leader := exec.Command("sleep", "60")
	leader.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	group := leader.Process.Pid
	fork := exec.Command("sleep", "60")
	fork.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: group}
	if err := fork.Start(); err != nil {
		_ = leader.Process.Kill()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-group, syscall.SIGKILL) })
	_ = leader.Process.Kill()
	_ = leader.Wait()

	_ = syscall.Kill(-group, syscall.SIGKILL) // as the pool does once the emulator is reaped
	killOrphans(leftovers{group: group, emulator: "sleep", bootstrap: "/no/such/bootstrap"})

	if state := ChildState(fork.Process.Pid); state != "" {
		t.Fatalf("the fork in the emulator's group is still this process's child (state %s)", state)
	}
}

// A fork the emulator moved to a group of its own but had not yet turned
// into the bootstrap (it runs the emulator's code) is reaped. bash plays the
// emulator: with job control its background subshell is such a fork, and
// bash exits, leaving it to this process.
func TestKillOrphansReapsAForkThatHasNotExecutedTheBootstrap(t *testing.T) {
	adoptOrphans()
	hold, release, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	defer release.Close()
	bash := exec.Command("bash", "-c", `set -m; (read line; true) >/dev/null 2>&1 & echo $!`)
	bash.Stdin = hold
	out, err := bash.Output()
	if err != nil {
		t.Fatal(err)
	}
	fork, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("bash printed %q", out)
	}
	t.Cleanup(func() { _ = syscall.Kill(-fork, syscall.SIGKILL) })
	if state := ChildState(fork); state == "" {
		t.Fatalf("the subshell %d is not this process's child", fork)
	}

	killOrphans(leftovers{group: bash.Process.Pid, emulator: "bash", bootstrap: "/no/such/bootstrap"})

	if state := ChildState(fork); state != "" {
		t.Fatalf("the emulator's fork %d is still this process's child (state %s)", fork, state)
	}
}

// An emulator of this process that has executed, running or exited, is
// not an orphan: its own Wait reaps it.
func TestKillOrphansLeavesTheHarnesssEmulatorsAlone(t *testing.T) {
	adoptOrphans()
	running := exec.Command("sleep", "60")
	exited := exec.Command("true")
	for _, cmd := range []*exec.Cmd{running, exited} {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = running.Process.Kill(); _ = running.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ChildState(exited.Process.Pid) != "Z"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("true did not exit")
		}
	}

	for _, emulator := range []string{"sleep", "true"} {
		killOrphans(leftovers{group: 1 << 30, emulator: emulator, bootstrap: "/no/such/bootstrap"})
	}

	if err := running.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("killOrphans stopped a running emulator: %v", err)
	}
	if err := exited.Wait(); err != nil {
		t.Errorf("the exited emulator's Wait: %v; killOrphans reaped it", err)
	}
}
