package local

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOrDefaultTakesTheDefaultForZeroAndNegative(t *testing.T) {
	for _, c := range []struct{ v, want time.Duration }{{0, 3 * time.Second}, {-time.Second, 3 * time.Second}, {time.Second, time.Second}} {
		if got := OrDefault(c.v, 3*time.Second); got != c.want {
			t.Errorf("OrDefault(%v, 3s) = %v, want %v", c.v, got, c.want)
		}
	}
	if got := OrDefault(-1, 2); got != 2 {
		t.Errorf("OrDefault(-1, 2) = %d, want 2", got)
	}
}

// A child that listens where it was told is ready.
func TestAwaitListeningFindsTheChildsListener(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	child, exited := startHelper(t, addr)
	if err := AwaitListening(context.Background(), child.Pid, exited, 10*time.Second, addr); err != nil {
		t.Fatal(err)
	}
}

// A port taken between FreeAddr and the child's bind: the dial reaches the
// other listener, but the child is failing; AwaitListening must say so
// rather than report it ready (two emulators told one port answered 500).
func TestAwaitListeningRefusesAnotherProcesssListener(t *testing.T) {
	ln, err := net.Listen("tcp", Host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	child, exited := startHelper(t, "") // listens nowhere
	err = AwaitListening(context.Background(), child.Pid, exited, 10*time.Second, ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "another process listens") {
		t.Fatalf("AwaitListening on this process's port = %v, want another process named", err)
	}
}

// startHelper starts this test binary as a process group leader that
// listens on addr (when not empty) until it is killed (TestMain).
func startHelper(t *testing.T, addr string) (*os.Process, <-chan struct{}) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOCAL_HELPER=1", "LOCAL_HELPER_ADDR="+addr)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	return cmd.Process, exited
}

// TestMain runs the helper of startHelper when asked to.
func TestMain(m *testing.M) {
	if os.Getenv("LOCAL_HELPER") != "1" {
		os.Exit(m.Run())
	}
	if addr := os.Getenv("LOCAL_HELPER_ADDR"); addr != "" {
		if _, err := net.Listen("tcp", addr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	time.Sleep(time.Hour) // until killed
}
