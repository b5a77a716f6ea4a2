// Package motoserver runs moto_server, a local emulator of the AWS APIs, for
// tests and for the local system, and provisions the resources the product
// expects (the tickets table and the two secrets) through the real SDK.
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// InstallHint says how to get moto_server when it cannot be found.
const InstallHint = "moto_server not found: install it with `pip install 'moto[server]'` " +
	"(or set MOTO_SERVER to its path)"

// ErrNotFound is returned by Find when no moto_server executable exists.
var ErrNotFound = errors.New(InstallHint)

// Find returns the path of moto_server: $MOTO_SERVER, then PATH, then the
// pyenv versions under $PYENV_ROOT or ~/.pyenv, where the machine's Python
// keeps it when a bare PATH lacks the pyenv shims.
func Find() (string, error) {
	if p := os.Getenv("MOTO_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, nil
	}
	roots := []string{os.Getenv("PYENV_ROOT")}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, ".pyenv"))
	}
	for _, root := range roots {
		if root == "" {
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "moto_server"))
		if len(matches) > 0 {
			return matches[len(matches)-1], nil
		}
	}
	return "", ErrNotFound
}

// Server is a running moto_server.
type Server struct {
	// Endpoint is the URL to hand the SDK as AWS_ENDPOINT_URL.
	Endpoint string
	Addr     string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Launch starts moto_server on addr ("127.0.0.1:5000"; port 0 picks a free
// one) and waits until it answers. Output goes to logw when not nil.
func Launch(ctx context.Context, addr string, logw *os.File) (*Server, error) {
	path, err := Find()
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if port == "0" {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	} else if err := checkFree(net.JoinHostPort(host, port)); err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "-H", host, "-p", port)
	cmd.Stdout, cmd.Stderr = logw, logw
	// Its own process group, so Stop also ends anything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("motoserver: start %s: %w", path, err)
	}
	s := &Server{Endpoint: "http://" + net.JoinHostPort(host, port), Addr: net.JoinHostPort(host, port), cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// PID is the process id of moto_server.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop kills moto_server and its process group and waits for it to exit.
func (s *Server) Stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("motoserver: moto_server exited during startup (see its output)")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return fmt.Errorf("motoserver: moto_server did not answer on %s within %s", s.Endpoint, limit)
}

func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// checkFree fails clearly when something already listens on addr, instead of
// letting moto_server die with a traceback.
func checkFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("motoserver: %s is already in use: %w", addr, err)
	}
	return l.Close()
}
