// Package local holds the few values only the local system owns (ports,
// resource names, keys, region, phone; everything else comes from
// template.yaml, package deployment) and the readiness wait of the
// processes it starts.
package local

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Host is the only address the local system listens on.
const Host = "127.0.0.1"

// FreeAddr returns Host with a port that was free a moment ago, for a child
// process that must be told where to listen (it may lose the port to
// another before it binds: AwaitListening then fails, and callers retry).
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(Host, "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// AwaitListening polls until each of addrs accepts connections from the
// process group pgid (a child told where to listen, started as a group
// leader, is ready); it fails when exited closes first, ctx ends, limit
// passes, or another process listens there: the port was taken between
// FreeAddr and the child's bind, and the child is failing.
func AwaitListening(ctx context.Context, pgid int, exited <-chan struct{}, limit time.Duration, addrs ...string) error {
	deadline := time.Now().Add(limit)
	for _, addr := range addrs {
		for {
			conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				_ = conn.Close()
				if owned, known := listenedBy(pgid, addr); known && !owned {
					return fmt.Errorf("another process listens on %s", addr)
				}
				break
			}
			select {
			case <-exited:
				return fmt.Errorf("exited before listening on %s", addr)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("not listening on %s after %s", addr, limit)
			}
		}
	}
	return nil
}

// ProcStat reads Linux's /proc/<pid>/stat: the command name and the fields
// after it (state ppid pgrp session tty tpgid flags ...); ok is false where
// there is no such process or no /proc. The name may hold spaces and
// parentheses.
func ProcStat(pid int) (comm string, fields []string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if err != nil || open < 0 || end < open {
		return "", nil, false
	}
	return string(b[open+1 : end]), strings.Fields(string(b[end+1:])), true
}

// listenedBy reports whether a process of group pgid holds the socket that
// listens on addr (an IPv4 host:port): the port's listening socket inodes
// in /proc/net/tcp, found among the group's open files. known is false when
// /proc cannot say.
func listenedBy(pgid int, addr string) (owned, known bool) {
	inodes := listeningInodes(addr)
	if inodes == nil {
		return false, false
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		if _, f, ok := ProcStat(pid); !ok || len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + p.Name() + "/fd")
		for _, fd := range fds {
			link, _ := os.Readlink("/proc/" + p.Name() + "/fd/" + fd.Name())
			if inode, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(inode, "]")] {
				return true, true
			}
		}
	}
	return false, true
}

// listeningInodes returns the inodes of the sockets listening on addr's
// port at its address or at 0.0.0.0, or nil when /proc/net/tcp cannot be
// read or addr is not IPv4.
func listeningInodes(addr string) map[string]bool {
	ap, err := netip.ParseAddrPort(addr)
	b, rerr := os.ReadFile("/proc/net/tcp")
	if err != nil || !ap.Addr().Unmap().Is4() || rerr != nil {
		return nil
	}
	ip := ap.Addr().Unmap().As4()
	// Columns: sl local_address rem_address st ... inode; an address is its
	// four bytes read in host order, and the port, in hex.
	want := map[string]bool{
		fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip[:]), ap.Port()): true,
		fmt.Sprintf("00000000:%04X", ap.Port()):                                true,
	}
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && want[f[1]] && f[3] == "0A" { // 0A: LISTEN
			inodes[f[9]] = true
		}
	}
	return inodes
}

// Default ports of `make run` (docs/local.md).
const (
	APIPort     = 3000
	SandboxPort = 4010
	MotoPort    = 5000
)

// Region is where moto_server keeps the local resources.
const Region = "us-east-1"

// Local names of the stack's resources, and the values of its secrets.
const (
	Table            = "periskope-tickets"
	APIKeySecret     = "periskope/local/api-key"
	APIKey           = "local-api-key"
	SigningKeySecret = "periskope/local/signing-key"
	SigningKey       = "local-signing-key"
)

// Phone is create-ticket's PERISKOPE_PHONE and the sandbox organisation's.
const Phone = "919876543210"

// AWSConfig is the SDK configuration of a client of the local system's
// moto_server at endpoint: the local region and dummy credentials (moto
// accepts any; signing needs some).
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	}
}

// OrDefault is v, or def when v is not positive: a zero or negative count,
// size or duration in a config means "the default".
func OrDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
