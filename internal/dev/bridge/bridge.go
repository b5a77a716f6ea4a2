// Package bridge lets containers reach HTTP services of the local system
// that listen on 127.0.0.1 only (sam local invoke runs the functions in
// Docker): it proxies requests from one private address of this machine,
// such as Docker's bridge gateway, to a loopback port, and accepts them only
// from that address's own network (the containers on the bridge).
//
// It never listens on 0.0.0.0, ::, or a public address: Resolve refuses them.
package bridge

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// ErrRefused is wrapped by every address Resolve will not listen on.
var ErrRefused = errors.New("bridge: refused")

// Host is the network interfaces Resolve looks up (System, or a test's).
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
// addresses, into that address with its prefix length (172.17.0.1/16). It
// refuses the unspecified addresses, any address that is not private (RFC
// 1918, IPv6 unique local), and any no interface of this machine has.
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

// prefixes reads interface addresses ("172.17.0.1/16"); others are skipped.
func prefixes(addrs []net.Addr) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Forwarder serves an HTTP service of this machine on a bridge address.
type Forwarder struct {
	srv    *http.Server
	ln     net.Listener
	tr     *http.Transport
	served chan struct{} // closed when Serve has returned
}

// Forward listens on at's address and port and relays every HTTP request
// from a peer inside at's network to target ("127.0.0.1:5000"), Host
// header unchanged (SigV4 signs it). Connections from elsewhere are closed
// at once; a request the target does not answer gets 502.
func Forward(at netip.Prefix, port int, target string) (*Forwarder, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(at.Addr().String(), strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	proxy.Transport = tr
	proxy.ErrorLog = log.New(io.Discard, "", 0) // the 502 tells the function; not the stack's output
	f := &Forwarder{srv: &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}, ln: ln, tr: tr, served: make(chan struct{})}
	go func() {
		defer close(f.served)
		_ = f.srv.Serve(peersOnly{ln, at.Masked()})
	}()
	return f, nil
}

// Addr is the address the forwarder listens on ("172.17.0.1:5000").
func (f *Forwarder) Addr() string { return f.ln.Addr().String() }

// Close stops listening, closes every connection and returns when the
// server has stopped. It closes the listener itself: srv.Close does not know
// one Serve has not taken yet.
func (f *Forwarder) Close() error {
	err := f.srv.Close()
	_ = f.ln.Close()
	<-f.served
	f.tr.CloseIdleConnections()
	return err
}

// peersOnly accepts connections from peers inside its network only.
type peersOnly struct {
	net.Listener
	peers netip.Prefix
}

func (l peersOnly) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, err := netip.ParseAddrPort(conn.RemoteAddr().String())
		if err == nil && l.peers.Contains(ap.Addr().Unmap()) {
			return conn, nil
		}
		_ = conn.Close()
	}
}
