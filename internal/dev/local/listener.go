package local

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

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
	host, port, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host).To4()
	n, perr := strconv.Atoi(port)
	b, rerr := os.ReadFile("/proc/net/tcp")
	if err != nil || ip == nil || perr != nil || rerr != nil {
		return nil
	}
	// Columns: sl local_address rem_address st ... inode; an address is its
	// four bytes read in host order, and the port, in hex.
	want := map[string]bool{
		fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip), n): true,
		fmt.Sprintf("00000000:%04X", n):                             true,
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
