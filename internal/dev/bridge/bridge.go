// Package bridge lets containers reach services of the local system that
// listen on 127.0.0.1 only (sam local invoke runs the functions in Docker):
// it forwards TCP connections from one private address of this machine, such
// as Docker's bridge gateway, to a loopback port, and accepts them only from
// that address's own network (the containers on the bridge).
//
// It never listens on 0.0.0.0, ::, or a public address: Resolve refuses them.
package bridge

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
)

// ErrRefused is wrapped by every address Resolve will not listen on.
var ErrRefused = errors.New("bridge: refused")

// Host is what Resolve looks up: this machine's network interfaces.
// net.InterfaceByName and net.InterfaceAddrs are the real ones; tests
// inject their own.
type Host struct {
	// InterfaceAddrs returns the addresses of the interface called name.
	InterfaceAddrs func(name string) ([]net.Addr, error)
	// Addrs returns the addresses of every interface.
	Addrs func() ([]net.Addr, error)
}

// System is this machine's network interfaces.
var System = Host{
	InterfaceAddrs: func(name string) ([]net.Addr, error) {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, err
		}
		return ifi.Addrs()
	},
	Addrs: net.InterfaceAddrs,
}

// Resolve turns spec, an interface name ("docker0") or one of its IP
// addresses ("172.17.0.1"), into that address with its network's prefix
// length (172.17.0.1/16). It refuses the unspecified addresses, any address
// that is not private (RFC 1918, or IPv6 unique local), and any address no
// interface of this machine has.
func (h Host) Resolve(spec string) (netip.Prefix, error) {
	if ip, err := netip.ParseAddr(spec); err == nil {
		ip = ip.Unmap()
		if !ip.IsPrivate() {
			return netip.Prefix{}, fmt.Errorf("%w: %s is not a private address (want the Docker bridge gateway, e.g. docker0 or 172.17.0.1; never 0.0.0.0)", ErrRefused, spec)
		}
		addrs, err := h.Addrs()
		if err != nil {
			return netip.Prefix{}, err
		}
		for _, p := range prefixes(addrs) {
			if p.Addr() == ip {
				return p, nil
			}
		}
		return netip.Prefix{}, fmt.Errorf("%w: no interface of this machine has the address %s", ErrRefused, spec)
	}
	addrs, err := h.InterfaceAddrs(spec)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: %s is neither an IP address nor an interface (%v)", ErrRefused, spec, err)
	}
	for _, p := range prefixes(addrs) {
		if p.Addr().Is4() && p.Addr().IsPrivate() {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("%w: interface %s has no private IPv4 address", ErrRefused, spec)
}

func prefixes(addrs []net.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ones, _ := n.Mask.Size()
		out = append(out, netip.PrefixFrom(ip.Unmap(), ones))
	}
	return out
}

// Forwarder accepts connections on a bridge address and relays each one to
// a target on this machine.
type Forwarder struct {
	ln     net.Listener
	target string
	peers  netip.Prefix

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Forward listens on at's address and port and relays every connection from
// a peer inside at's network to target ("127.0.0.1:5000"). Connections
// from elsewhere are closed at once.
func Forward(at netip.Prefix, port int, target string) (*Forwarder, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(at.Addr().String(), strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	f := &Forwarder{ln: ln, target: target, peers: at.Masked(), conns: map[net.Conn]struct{}{}}
	f.wg.Go(f.serve)
	return f, nil
}

// Addr is the address the forwarder listens on ("172.17.0.1:5000").
func (f *Forwarder) Addr() string { return f.ln.Addr().String() }

func (f *Forwarder) serve() {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		if !f.allowed(conn.RemoteAddr()) || !f.track(conn) {
			_ = conn.Close()
			continue
		}
		f.wg.Go(func() {
			defer f.untrack(conn)
			f.relay(conn)
		})
	}
}

func (f *Forwarder) allowed(remote net.Addr) bool {
	ap, err := netip.ParseAddrPort(remote.String())
	return err == nil && f.peers.Contains(ap.Addr().Unmap())
}

func (f *Forwarder) relay(conn net.Conn) {
	upstream, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	if !f.track(upstream) {
		_ = upstream.Close()
		return
	}
	defer f.untrack(upstream)
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(upstream, conn)
		closeWrite(upstream)
		close(done)
	}()
	_, _ = io.Copy(conn, upstream)
	closeWrite(conn)
	<-done
}

// closeWrite tells the other side this side is done sending, so that a
// half-closed connection (request sent, response pending) keeps working.
func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (f *Forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	_ = c.Close()
}

// Close stops listening, closes every relayed connection and waits for
// them to end.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	err := f.ln.Close()
	f.wg.Wait()
	return err
}
