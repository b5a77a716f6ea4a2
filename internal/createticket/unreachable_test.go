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

	"github.com/periskope-connect/periskope-aws/internal/createticket"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// timingOutDials returns an HTTP client whose first timeouts dials fail as
// a net.Dialer whose Timeout passed fails (a real one, of 1ns), and whose
// later dials connect.
func timingOutDials(t *testing.T, timeouts int) *http.Client {
	t.Helper()
	short := net.Dialer{Timeout: time.Nanosecond}
	_, errTimeout := short.Dial("tcp", "127.0.0.1:1")
	var opErr *net.OpError
	if !errors.As(errTimeout, &opErr) || opErr.Op != "dial" || !opErr.Timeout() {
		t.Fatalf("a 1ns dial gave %v, want a dial timeout", errTimeout)
	}
	var dials atomic.Int32
	var d net.Dialer
	tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if int(dials.Add(1)) <= timeouts {
			return nil, errTimeout
		}
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// A dial that timed out sent nothing: the client retries the create, and
// when every dial times out the caller hears that nothing was created (a
// 502 it may retry at once), not the 504 "may or may not" of a timeout
// after the request left (TestUpstreamTimeout).
func TestUpstreamDialTimeout(t *testing.T) {
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
		t.Run(tt.name, func(t *testing.T) {
			up := newFakePeriskope(t, testAPIKey)
			cfg := createticket.Config{BaseURL: up.URL(), Phone: testPhone, APIKeySecret: "s", TicketsTable: "t"}
			client, err := createticket.NewPeriskopeClient(cfg, staticKey(testAPIKey),
				periskope.WithHTTPClient(timingOutDials(t, tt.timeouts)))
			if err != nil {
				t.Fatal(err)
			}
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
		})
	}
}
