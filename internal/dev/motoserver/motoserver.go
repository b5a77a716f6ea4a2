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
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
)

// find returns moto_server: $MOTO_SERVER (make sets it), then PATH, then the
// pyenv versions, for a bare go test whose PATH lacks the pyenv shims.
func find() (string, error) {
	if p := os.Getenv("MOTO_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, nil
	}
	if found := deployment.PyenvExecutables("moto_server"); len(found) > 0 {
		return found[0], nil
	}
	return "", errors.New("moto_server not found: install it with `pip install 'moto[server]'` (or set MOTO_SERVER to its path)")
}

// Server is a running moto_server behind a proxy that forwards one request
// at a time: moto checks a DynamoDB condition and writes without a lock, so
// two racing conditional PutItems could both succeed, and the product's
// exactly-once writes rely on DynamoDB's atomic ones. Python's GIL
// serialises most of moto's work anyway.
type Server struct {
	Endpoint string // the SDK's AWS_ENDPOINT_URL
	Addr     string // host:port of Endpoint

	cmd    *exec.Cmd
	exited chan struct{}
	proxy  *http.Server
}

// Launch starts moto_server behind its proxy on addr (port 0: a free one)
// and waits until it listens. moto's own output goes to logw when not nil.
func Launch(ctx context.Context, addr string, logw *os.File) (*Server, error) {
	path, err := find()
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("motoserver: %s is already in use or cannot be bound: %w", addr, err)
	}
	motoAddr, err := local.FreeAddr()
	if err != nil {
		listener.Close()
		return nil, err
	}
	host, port, _ := net.SplitHostPort(motoAddr)
	cmd := exec.Command(path, "-H", host, "-p", port)
	cmd.Stdout, cmd.Stderr = logw, logw
	// Its own process group, which Stop kills whole.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		listener.Close()
		return nil, fmt.Errorf("motoserver: start %s: %w", path, err)
	}
	s := &Server{
		Endpoint: "http://" + listener.Addr().String(),
		Addr:     listener.Addr().String(),
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	s.proxy = &http.Server{Handler: serialProxy(motoAddr), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.proxy.Serve(listener) }()
	if err := local.AwaitListening(ctx, cmd.Process.Pid, s.exited, 30*time.Second, motoAddr); err != nil {
		s.Stop()
		return nil, fmt.Errorf("motoserver: moto_server: %w (see its output)", err)
	}
	return s, nil
}

// serialProxy forwards to addr one request at a time.
func serialProxy(addr string) http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "moto_server unreachable: "+err.Error(), http.StatusBadGateway)
	}
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		proxy.ServeHTTP(w, r)
	})
}

// PID is the process id of moto_server.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop kills moto_server, waits for it and closes the proxy, so that the
// endpoint refuses connections as a stopped service does. It may be called
// more than once.
func (s *Server) Stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
	_ = s.proxy.Close()
}
