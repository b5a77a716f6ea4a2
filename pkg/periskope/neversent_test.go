package periskope_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// dialTimeout is the error a net.Dialer returns when its Timeout passes
// before the connection is made, produced for real.
func dialTimeout(t *testing.T) error {
	t.Helper()
	d := net.Dialer{Timeout: time.Nanosecond}
	_, err := d.Dial("tcp", closedAddr(t))
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" || !opErr.Timeout() {
		t.Fatalf("a 1ns dial gave %v, want a dial timeout", err)
	}
	return err
}

func TestNeverSent(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"dial timed out", dialTimeout(t), true},
		{"dial timeout inside an attempt timeout", fmt.Errorf("attempt timed out: %w (%w)", context.DeadlineExceeded, dialTimeout(t)), true},
		{"no route", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.EHOSTUNREACH}, true},
		{"DNS failure", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}}, true},
		{"bare DNS failure", &net.DNSError{Err: "no such host", Name: "api.example"}, true},
		{"read timed out", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, false},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{"deadline alone", context.DeadlineExceeded, false},
		{"canceled", context.Canceled, false},
		{"an answer", &periskope.APIError{StatusCode: 503}, false},
		{"nil", nil, false},
	} {
		if got := periskope.NeverSent(tt.err); got != tt.want {
			t.Errorf("%s: NeverSent(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// timingOutClient fails the first timeouts dials as a dialer whose Timeout
// passed does, then dials the real address; it counts dials.
func timingOutClient(t *testing.T, timeouts int) (*http.Client, *dialLog) {
	errTimeout := dialTimeout(t)
	return failingDials(t, timeouts, func(context.Context, string, string) (net.Conn, error) { return nil, errTimeout })
}
