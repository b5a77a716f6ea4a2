package bridge_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/bridge"
)

func ipNet(cidr string) *net.IPNet {
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return n
}

// fakeHost is a machine with docker0 (172.17.0.1/16), eth0 with a public
// address, and lo.
func fakeHost() bridge.Host {
	ifaces := map[string][]net.Addr{
		"docker0": {ipNet("fe80::1/64"), ipNet("172.17.0.1/16")},
		"eth0":    {ipNet("203.0.113.7/24")},
		"lo":      {ipNet("127.0.0.1/8")},
	}
	return bridge.Host{
		InterfaceAddrs: func(name string) ([]net.Addr, error) {
			addrs, ok := ifaces[name]
			if !ok {
				return nil, errors.New("no such interface")
			}
			return addrs, nil
		},
		Addrs: func() ([]net.Addr, error) {
			var all []net.Addr
			for _, a := range ifaces {
				all = append(all, a...)
			}
			return all, nil
		},
	}
}

func TestResolve(t *testing.T) {
	want := netip.MustParsePrefix("172.17.0.1/16")
	for _, spec := range []string{"docker0", "172.17.0.1"} {
		got, err := fakeHost().Resolve(spec)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
}

func TestResolveRefuses(t *testing.T) {
	for _, spec := range []string{
		"0.0.0.0", "::", // every interface
		"203.0.113.7", "eth0", // public, though this machine's
		"127.0.0.1", "lo", // loopback: the services are there already
		"172.17.0.2", // private, but not this machine's
		"tun9", "",   // no such interface
	} {
		if got, err := fakeHost().Resolve(spec); !errors.Is(err, bridge.ErrRefused) {
			t.Errorf("Resolve(%q) = %v, %v; want ErrRefused", spec, got, err)
		}
	}
}

// The forwarder relays to its target, for peers in its network only.
func TestForward(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "target saw "+r.URL.Path+" "+string(body))
	}))
	defer target.Close()
	targetAddr := strings.TrimPrefix(target.URL, "http://")

	// 127.0.0.1/8 stands for the bridge: the test's client is inside it.
	f, err := bridge.Forward(netip.MustParsePrefix("127.0.0.1/8"), 0, targetAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 3 { // several connections, one after the other
		resp, err := http.Post("http://"+f.Addr()+"/v1/tickets", "text/plain", strings.NewReader("hello"))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "target saw /v1/tickets hello" {
			t.Fatalf("request %d: body %q", i, body)
		}
	}

	// A bridge network the client is not in (it connects from 127.0.0.2,
	// outside 127.0.0.1/32): the connection is closed, nothing relayed.
	outsider, err := bridge.Forward(netip.MustParsePrefix("127.0.0.1/32"), 0, targetAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer outsider.Close()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	if resp, err := client.Get("http://" + outsider.Addr() + "/"); err == nil {
		resp.Body.Close()
		t.Errorf("a peer outside the bridge network was relayed: %s", resp.Status)
	}
	// The same forwarder relays a peer inside it.
	resp, err := http.Get("http://" + outsider.Addr() + "/")
	if err != nil {
		t.Fatalf("a peer inside the bridge network: %v", err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "target saw / " {
		t.Errorf("a peer inside the bridge network got %q", body)
	}
}

func TestCloseStopsListening(t *testing.T) {
	f, err := bridge.Forward(netip.MustParsePrefix("127.0.0.1/8"), 0, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	addr := f.Addr()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Close", addr)
	}
}
