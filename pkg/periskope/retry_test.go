package periskope_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// rateLimited answers 429 with the given headers.
func rateLimited(headers map[string]string) responder {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("X-RateLimit-Remaining", "0")
		reply(w, http.StatusTooManyRequests, []byte(`{"message":"Too many requests"}`))
	}
}

var createReq = periskope.CreateTicketRequest{ChatID: "919537851844@c.us", Subject: "Printer on fire"}

func inRange(d, lo, hi time.Duration) bool { return d >= lo && d < hi }

func TestRateLimitedCreateWaitsForTheReset(t *testing.T) {
	now := testEpoch // the bubbles' clock when each subtest starts
	base := testPolicy.BaseDelay
	tests := []struct {
		name    string
		headers map[string]string
		lo, hi  time.Duration // the one wait must fall in [lo, hi)
	}{
		{"epoch reset", map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Add(3*time.Second).Unix(), 10)}, 3 * time.Second, 3*time.Second + base},
		{"epoch milliseconds reset", map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Add(4*time.Second).UnixMilli(), 10)}, 4 * time.Second, 4*time.Second + base},
		{"relative reset", map[string]string{"X-RateLimit-Reset": "2"}, 2 * time.Second, 2*time.Second + base},
		{"fractional relative reset", map[string]string{"X-RateLimit-Reset": "1.5"}, 1500 * time.Millisecond, 1500*time.Millisecond + base},
		{"Retry-After seconds", map[string]string{"Retry-After": "5"}, 5 * time.Second, 5*time.Second + base},
		{"Retry-After date", map[string]string{"Retry-After": now.Add(6 * time.Second).Format(http.TimeFormat)}, 6 * time.Second, 6*time.Second + base},
		{"longer of both", map[string]string{"Retry-After": "1", "X-RateLimit-Reset": "3"}, 3 * time.Second, 3*time.Second + base},
		{"reset already passed: backoff", map[string]string{"X-RateLimit-Reset": strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)}, base / 2, base},
		{"no reset: backoff", nil, base / 2, base},
		{"unreadable reset: backoff", map[string]string{"X-RateLimit-Reset": "soon"}, base / 2, base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inBubble(t, func(t *testing.T) {
				api := newBubbleAPI(t, sequence(rateLimited(tt.headers), always(200, createExample(t))))
				c := newTestClient(t, api)
				ti, err := c.CreateTicket(context.Background(), createReq)
				if err != nil {
					t.Fatalf("CreateTicket: %v", err)
				}
				if ti.Ticket.TicketID != "BKT-001" || api.Count() != 2 {
					t.Errorf("ticket %q after %d requests, want BKT-001 after 2", ti.Ticket.TicketID, api.Count())
				}
				if waits := api.waits(); len(waits) != 1 || !inRange(waits[0], tt.lo, tt.hi) {
					t.Errorf("waits = %v, want one in [%v, %v)", waits, tt.lo, tt.hi)
				}
			})
		})
	}
}

func TestRateLimitedUntilAttemptsRunOut(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		api := newBubbleAPI(t, rateLimited(map[string]string{"X-RateLimit-Reset": "1"}))
		c := newTestClient(t, api)
		_, err := c.CreateTicket(context.Background(), createReq)
		var apiErr *periskope.APIError
		if !errors.Is(err, periskope.ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Second {
			t.Fatalf("err = %#v, want a 429 APIError with RetryAfter 1s", err)
		}
		if api.Count() != testPolicy.MaxAttempts {
			t.Errorf("requests = %d, want %d", api.Count(), testPolicy.MaxAttempts)
		}
		for _, w := range api.waits() {
			if !inRange(w, time.Second, time.Second+testPolicy.BaseDelay) {
				t.Errorf("waits = %v, each want the reset (1s) plus jitter", api.waits())
			}
		}
	})
}

func TestRateLimitWaitBeyondTheDeadlineReturnsAtOnce(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		start := time.Now()
		api := newBubbleAPI(t, rateLimited(map[string]string{"X-RateLimit-Reset": strconv.FormatInt(start.Add(50*time.Second).Unix(), 10)}))
		c := newTestClient(t, api)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.CreateTicket(ctx, createReq)
		var apiErr *periskope.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != 50*time.Second {
			t.Fatalf("err = %v, want the 429 with RetryAfter 50s", err)
		}
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			t.Errorf("gave up by running into the deadline instead of answering at once: %v", err)
		}
		if api.Count() != 1 || time.Since(start) != 0 {
			t.Errorf("requests = %d after waiting %v; want 1 and no wait", api.Count(), time.Since(start))
		}
	})
}

func TestRateLimitWaitBeyondThePolicyReturnsAtOnce(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		start := time.Now()
		api := newBubbleAPI(t, rateLimited(map[string]string{"Retry-After": "120"}))
		c := newTestClient(t, api) // RateLimitMaxWait is a minute
		_, err := c.GetTicket(context.Background(), "BKT-001")
		var apiErr *periskope.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != 2*time.Minute || api.Count() != 1 || time.Since(start) != 0 {
			t.Errorf("err = %v, requests = %d, waited %v", err, api.Count(), time.Since(start))
		}
		if !strings.Contains(err.Error(), "retry after 2m0s") {
			t.Errorf("Error() = %q does not say when to retry", err)
		}
	})
}

func TestServerErrorsRetryOnlyWhereSafe(t *testing.T) {
	example := createExample(t)
	tests := []struct {
		name         string
		call         func(*periskope.Client) error
		statuses     []int
		wantRequests int
		wantErr      error
	}{
		{"get retries 503", func(c *periskope.Client) error { _, err := c.GetTicket(context.Background(), "BKT-001"); return err },
			[]int{503, 503, 200}, 3, nil},
		{"get gives up after MaxAttempts", func(c *periskope.Client) error { _, err := c.GetTicket(context.Background(), "BKT-001"); return err },
			[]int{503}, 3, periskope.ErrServer},
		{"list retries 502", func(c *periskope.Client) error {
			_, err := c.ListTickets(context.Background(), periskope.ListTicketsParams{})
			return err
		},
			[]int{502, 200}, 2, nil},
		{"update retries 500", func(c *periskope.Client) error {
			_, err := c.UpdateTicket(context.Background(), "BKT-001", periskope.UpdateTicketRequest{Subject: ptr("s")})
			return err
		}, []int{500, 200}, 2, nil},
		{"create does not retry 500", func(c *periskope.Client) error { _, err := c.CreateTicket(context.Background(), createReq); return err },
			[]int{500, 200}, 1, periskope.ErrServer},
		{"create does not retry 503", func(c *periskope.Client) error { _, err := c.CreateTicket(context.Background(), createReq); return err },
			[]int{503, 200}, 1, periskope.ErrServer},
		{"4xx is not retried", func(c *periskope.Client) error { _, err := c.GetTicket(context.Background(), "BKT-001"); return err },
			[]int{404, 200}, 1, periskope.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var steps []responder
			for _, s := range tt.statuses {
				body := example
				if strings.HasPrefix(tt.name, "list") && s == 200 {
					body = fixture(t, "ticket-list.json")
				}
				steps = append(steps, always(s, body))
			}
			inBubble(t, func(t *testing.T) {
				api := newBubbleAPI(t, sequence(steps...))
				err := tt.call(newTestClient(t, api))
				if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if api.Count() != tt.wantRequests {
					t.Errorf("requests = %d, want %d", api.Count(), tt.wantRequests)
				}
				for _, w := range api.waits() { // each retry backs off
					if w <= 0 {
						t.Errorf("waits = %v, want a backoff before every retry", api.waits())
					}
				}
			})
		})
	}
}

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		api := newBubbleAPI(t, always(503, nil))
		policy := periskope.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 2 * time.Second, AttemptTimeout: 5 * time.Second}
		c := newTestClient(t, api, periskope.WithRetryPolicy(policy))
		if _, err := c.GetTicket(context.Background(), "BKT-001"); !errors.Is(err, periskope.ErrServer) {
			t.Fatalf("err = %v", err)
		}
		waits := api.waits()
		want := [][2]time.Duration{{500 * time.Millisecond, time.Second}, {time.Second, 2 * time.Second}, {time.Second, 2 * time.Second}, {time.Second, 2 * time.Second}}
		if len(waits) != len(want) {
			t.Fatalf("waits = %v", waits)
		}
		for i, w := range want {
			if !inRange(waits[i], w[0], w[1]) {
				t.Errorf("wait %d = %v, want in [%v, %v)", i, waits[i], w[0], w[1])
			}
		}
	})
}

func TestBackoffBeyondTheDeadlineReturnsAtOnce(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		start := time.Now()
		api := newBubbleAPI(t, always(503, nil))
		c := newTestClient(t, api, periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Minute}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.GetTicket(ctx, "BKT-001")
		if !errors.Is(err, periskope.ErrServer) || api.Count() != 1 || time.Since(start) != 0 {
			t.Errorf("err = %v, requests = %d, waited %v", err, api.Count(), time.Since(start))
		}
	})
}

// The caller gives up while the client waits an hour to retry.
func TestCancelDuringBackoff(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		api := newBubbleAPI(t, always(503, []byte(`{"message":"try later"}`)))
		c := newTestClient(t, api, periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Hour}))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error)
		go func() {
			_, err := c.GetTicket(ctx, "BKT-001")
			done <- err
		}()
		synctest.Wait() // the client is waiting to retry
		if api.Count() != 1 {
			t.Fatalf("requests = %d before cancelling, want 1", api.Count())
		}
		start := time.Now()
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "try later") || api.Count() != 1 || time.Since(start) != 0 {
			t.Errorf("err = %v after %d requests and %v", err, api.Count(), time.Since(start))
		}
	})
}

func TestCancelledContextSendsNothing(t *testing.T) {
	api := newFakeAPI(t, always(200, createExample(t)))
	c := newTestClient(t, api)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.CreateTicket(ctx, createReq)
	if !errors.Is(err, context.Canceled) || api.Count() != 0 {
		t.Errorf("err = %v after %d requests", err, api.Count())
	}
}

// hang answers only when the client has gone (or after a minute).
func hang(w http.ResponseWriter, r *http.Request, _ int) {
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
		reply(w, 200, nil)
	}
}

func TestAttemptTimeout(t *testing.T) {
	policy := testPolicy
	policy.AttemptTimeout = 100 * time.Millisecond

	t.Run("create is not retried", func(t *testing.T) {
		inBubble(t, func(t *testing.T) {
			start := time.Now()
			api := newBubbleAPI(t, sequence(hang, always(200, createExample(t))))
			c := newTestClient(t, api, periskope.WithRetryPolicy(policy))
			_, err := c.CreateTicket(context.Background(), createReq)
			if !errors.Is(err, context.DeadlineExceeded) || !periskope.IsTimeout(err) || !strings.Contains(err.Error(), "attempt timed out") {
				t.Errorf("err = %v, want an attempt timeout matching context.DeadlineExceeded", err)
			}
			if errors.Is(err, periskope.ErrServer) {
				t.Errorf("a timeout matches ErrServer: %v", err)
			}
			if api.Count() != 1 || time.Since(start) != policy.AttemptTimeout {
				t.Errorf("requests = %d after %v; a create that may have reached Periskope was resent", api.Count(), time.Since(start))
			}
		})
	})
	t.Run("get is retried", func(t *testing.T) {
		inBubble(t, func(t *testing.T) {
			api := newBubbleAPI(t, sequence(hang, always(200, createExample(t))))
			c := newTestClient(t, api, periskope.WithRetryPolicy(policy))
			ti, err := c.GetTicket(context.Background(), "BKT-001")
			if err != nil || ti.Ticket.TicketID != "BKT-001" || api.Count() != 2 {
				t.Fatalf("err = %v, requests = %d", err, api.Count())
			}
			// the timed-out attempt, then one backoff of [base/2, base)
			lo := policy.AttemptTimeout + policy.BaseDelay/2
			if w := api.waits(); !inRange(w[0], lo, lo+policy.BaseDelay/2) {
				t.Errorf("waits = %v, want the attempt timeout and one backoff", w)
			}
		})
	})
}

func TestSlowUpstreamAgainstTheContextDeadline(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		start := time.Now()
		api := newBubbleAPI(t, hang)
		c := newTestClient(t, api) // attempts may take 5s; the caller allows far less
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		_, err := c.GetTicket(ctx, "BKT-001")
		if !errors.Is(err, context.DeadlineExceeded) || !periskope.IsTimeout(err) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if api.Count() != 1 || time.Since(start) != 150*time.Millisecond {
			t.Errorf("requests = %d, returned after %v; want no retry and no wait past the deadline", api.Count(), time.Since(start))
		}
	})
}

func TestCreateNotRetriedWhenTheConnectionDropsAfterSending(t *testing.T) {
	api := newFakeAPI(t, sequence(func(w http.ResponseWriter, _ *http.Request, _ int) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close() // read the request, then vanish without an answer
	}, always(200, createExample(t))))
	c := newTestClient(t, api)
	_, err := c.CreateTicket(context.Background(), createReq)
	if err == nil || api.Count() != 1 || periskope.IsTimeout(err) {
		t.Errorf("err = %v after %d requests, want one failed request", err, api.Count())
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dialLog counts dials and records when each began.
type dialLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *dialLog) add() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times = append(l.times, time.Now())
	return len(l.times)
}

// Load is the number of dials.
func (l *dialLog) Load() int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int32(len(l.times))
}

// waits are the pauses between dials: in a bubble, the client's backoffs.
func (l *dialLog) waits() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d []time.Duration
	for i := 1; i < len(l.times); i++ {
		d = append(d, l.times[i].Sub(l.times[i-1]))
	}
	return d
}

// failingDials returns an HTTP client whose first failures dials fail
// with fail's error, and whose later dials connect; it counts dials.
func failingDials(t *testing.T, failures int, fail func(ctx context.Context, network, addr string) (net.Conn, error)) (*http.Client, *dialLog) {
	dials := &dialLog{}
	var d net.Dialer
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.add() <= failures {
				return fail(ctx, network, addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, dials
}

// refusingClient dials a closed port for the first refusals connections,
// then the real address; it counts dials.
func refusingClient(t *testing.T, refusals int) (*http.Client, *dialLog) {
	dead := closedAddr(t)
	var d net.Dialer
	return failingDials(t, refusals, func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, dead)
	})
}

// A dial that failed made no connection, so no request left: a create is
// retried after a refused connection or a dial that timed out.
func TestCreateRetriedWhenNeverSent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(t *testing.T, failures int) (*http.Client, *dialLog)
		gaveUp func(err error) bool // the error after MaxAttempts failed dials
	}{
		{"connection refused", refusingClient, func(err error) bool {
			return errors.Is(err, syscall.ECONNREFUSED) && !periskope.IsTimeout(err) && !errors.Is(err, periskope.ErrServer)
		}},
		{"dial timed out", timingOutClient, func(err error) bool { return periskope.NeverSent(err) && periskope.IsTimeout(err) }},
	} {
		t.Run(tc.name+": create is retried", func(t *testing.T) {
			hc, dials := tc.client(t, 2)
			api := newFakeAPI(t, always(200, createExample(t)))
			c := newTestClient(t, api, periskope.WithHTTPClient(hc))
			ti, err := c.CreateTicket(context.Background(), createReq)
			if err != nil || ti.Ticket.TicketID != "BKT-001" {
				t.Fatalf("CreateTicket = %v, %v", ti, err)
			}
			if dials.Load() != 3 || api.Count() != 1 {
				t.Errorf("dials = %d, requests = %d; want 3, 1", dials.Load(), api.Count())
			}
			// Real sockets, so real time: each retry waited at least its
			// backoff's lower bound (base/2, then base).
			for i, w := range dials.waits() {
				if lo := testPolicy.BaseDelay / 2 << i; w < lo {
					t.Errorf("wait %d = %v, want at least %v", i, w, lo)
				}
			}
		})
		t.Run(tc.name+": create gives up after MaxAttempts", func(t *testing.T) {
			hc, dials := tc.client(t, 100)
			api := newFakeAPI(t, always(200, createExample(t)))
			c := newTestClient(t, api, periskope.WithHTTPClient(hc))
			if _, err := c.CreateTicket(context.Background(), createReq); !tc.gaveUp(err) {
				t.Errorf("err = %v, want a %s", err, tc.name)
			}
			if dials.Load() != int32(testPolicy.MaxAttempts) || api.Count() != 0 {
				t.Errorf("dials = %d, requests = %d", dials.Load(), api.Count())
			}
		})
	}
}

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsTimeout(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{&periskope.APIError{StatusCode: 504}, false},
	} {
		if got := periskope.IsTimeout(tt.err); got != tt.want {
			t.Errorf("IsTimeout(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A create whose attempt times out while connecting is not retried either:
// net/http reports only the context's error then, so the client cannot tell
// the request never left.
func TestAttemptTimeoutWhileDialing(t *testing.T) {
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		dials.Add(1)
		<-ctx.Done() // an unreachable host: the dial hangs until the attempt ends
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: ctx.Err()}
	}}}
	policy := testPolicy
	policy.AttemptTimeout = 50 * time.Millisecond
	api := newFakeAPI(t, always(200, createExample(t)))
	c := newTestClient(t, api, periskope.WithHTTPClient(hc), periskope.WithRetryPolicy(policy))
	_, err := c.CreateTicket(context.Background(), createReq)
	if !periskope.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want an attempt timeout", err)
	}
	if dials.Load() != 1 || api.Count() != 0 {
		t.Errorf("dials = %d, requests = %d; a timed-out create is not retried", dials.Load(), api.Count())
	}
}
