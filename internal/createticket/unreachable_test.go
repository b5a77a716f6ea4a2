package createticket_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dialTimeout returns the error of a net.Dialer whose Timeout passed (a
// real one, of 1ns).
func dialTimeout(t *testing.T) error {
	t.Helper()
	short := net.Dialer{Timeout: time.Nanosecond}
	_, errTimeout := short.Dial("tcp", "127.0.0.1:1")
	var opErr *net.OpError
	if !errors.As(errTimeout, &opErr) || opErr.Op != "dial" || !opErr.Timeout() {
		t.Fatalf("a 1ns dial gave %v, want a dial timeout", errTimeout)
	}
	return errTimeout
}

// timingOutDials returns a dialer whose first timeouts dials fail with
// errTimeout, and whose later dials are dial's.
func timingOutDials(timeouts int, errTimeout error, dial dialer) dialer {
	var dials atomic.Int32
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if int(dials.Add(1)) <= timeouts {
			return nil, errTimeout
		}
		return dial(ctx, network, addr)
	}
}

// A dial that timed out sent nothing: the client retries the create, and
// when every dial times out the caller hears that nothing was created (a
// 502 it may retry at once), not the 504 "may or may not" of a timeout
// after the request left (TestUpstreamTimeout).
func TestUpstreamDialTimeout(t *testing.T) {
	errTimeout := dialTimeout(t) // outside the bubbles: a real dial
	for _, tt := range []struct {
		name      string
		timeouts  int
		status    int
		upCalls   int
		wantInMsg string
	}{
		{"retried after a dial timeout", 1, http.StatusCreated, 1, ""},
		{"every dial timed out", 100, http.StatusBadGateway, 0, "nothing was created"},
	} {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			up := newUpstream(t, testAPIKey)
			client := newClient(t, up.URL(), timingOutDials(tt.timeouts, errTimeout, up.dial()), staticKey(testAPIKey))
			hs := newHarness(t, setup{tickets: client})
			resp := hs.do(t, context.Background(), request(minimalBody))
			if tt.status != http.StatusCreated {
				e := wantError(t, resp, tt.status, "upstream_error", "")
				if !strings.Contains(e.Message, tt.wantInMsg) {
					t.Errorf("message %q does not say %q", e.Message, tt.wantInMsg)
				}
			} else if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if up.Calls() != tt.upCalls {
				t.Errorf("Periskope calls = %d, want %d", up.Calls(), tt.upCalls)
			}
		}))
	}
}
