package local

import (
	"net"
	"os"
	"strconv"
	"strings"
)

// listenedBy reports whether a process of group pgid holds the socket that
// listens on addr (an IPv4 host:port), from /proc: the port's listening
// socket inodes in /proc/net/tcp, found among the group's open files.
// known is false when /proc cannot say.
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
		if err != nil || groupOf(pid) != pgid {
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
	// Columns: sl local_address rem_address st ... inode; an address is
	// its four bytes in host order (little-endian here) and the port, in hex.
	local := strings.ToUpper(strconv.FormatUint(uint64(ip[3])<<24|uint64(ip[2])<<16|uint64(ip[1])<<8|uint64(ip[0]), 16))
	want := map[string]bool{
		pad8(local) + ":" + pad4(n): true,
		"00000000:" + pad4(n):       true,
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

func pad8(s string) string { return strings.Repeat("0", 8-len(s)) + s }

func pad4(port int) string {
	s := strings.ToUpper(strconv.FormatInt(int64(port), 16))
	return strings.Repeat("0", 4-len(s)) + s
}

// groupOf returns pid's process group, from /proc/<pid>/stat (the fields
// after the command's closing parenthesis: state, ppid, pgrp), or -1.
func groupOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	i := strings.LastIndexByte(string(b), ')')
	if err != nil || i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return -1
	}
	g, err := strconv.Atoi(f[2])
	if err != nil {
		return -1
	}
	return g
}
