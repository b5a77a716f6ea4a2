package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault kinds.
const (
	FaultRateLimit   = "rate_limit"   // answer 429 with X-RateLimit-Reset
	FaultServerError = "server_error" // answer 500
	FaultHang        = "hang"         // wait DelayMs, then answer normally
	// FaultDropDelivery gives up the next Count webhooks after Attempts, as
	// Periskope does once its undocumented redelivery ends.
	FaultDropDelivery = "drop_delivery"
)

// Fault makes the next Count creates fail or stall, or (FaultDropDelivery)
// the next Count webhook deliveries end early. Create faults and delivery
// faults queue up separately, each used in the order they were added.
type Fault struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"` // default 1
	// RetryAfterMs puts a rate_limit's X-RateLimit-Reset this far ahead,
	// rounded up to whole seconds (default 1000).
	RetryAfterMs int `json:"retry_after_ms,omitempty"`
	DelayMs      int `json:"delay_ms,omitempty"` // how long a hang lasts
	// Attempts is how many times a drop_delivery fault lets the webhook
	// be tried before giving up; 0 sends nothing.
	Attempts int `json:"attempts,omitempty"`
}

// Stats counts what the sandbox saw and did.
type Stats struct {
	CreatesReceived     int `json:"creates_received"` // every authenticated POST /tickets/create
	TicketsCreated      int `json:"tickets_created"`
	FaultsInjected      int `json:"faults_injected"`
	FaultsPending       int `json:"faults_pending"`
	DeliveriesAttempted int `json:"deliveries_attempted"` // every POST to the webhook URL
	DeliveriesSucceeded int `json:"deliveries_succeeded"` // events acknowledged with a 2xx
	DeliveriesFailed    int `json:"deliveries_failed"`    // events given up after the last attempt
	DeliveriesDropped   int `json:"deliveries_dropped"`   // of those, events a drop_delivery fault gave up early
	DeliveriesPending   int `json:"deliveries_pending"`   // events still being delivered
	// APIRequests counts every /v1 request; MaxRequestsPerSecond is the
	// most of them in one clock second (the X-RateLimit window).
	APIRequests          int `json:"api_requests"`
	MaxRequestsPerSecond int `json:"max_requests_per_second"`
}

// InjectFault queues faults: all of them, or none if one is invalid.
func (s *Sandbox) InjectFault(faults ...Fault) error {
	kinds := []string{FaultRateLimit, FaultServerError, FaultHang, FaultDropDelivery}
	for _, f := range faults {
		if !slices.Contains(kinds, f.Kind) {
			return fmt.Errorf("sandbox: fault kind %q (want one of %s)", f.Kind, strings.Join(kinds, ", "))
		}
		if f.Count < 0 || f.RetryAfterMs < 0 || f.DelayMs < 0 || f.Attempts < 0 {
			return errors.New("sandbox: negative fault count or duration")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		f.Count = cmp.Or(f.Count, 1)
		if f.Kind == FaultDropDelivery {
			s.drops = append(s.drops, f)
		} else {
			s.faults = append(s.faults, f)
		}
	}
	return nil
}

// ClearFaults drops every pending fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	s.faults, s.drops = nil, nil
	s.mu.Unlock()
}

// Stats returns the counters.
func (s *Sandbox) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	for _, f := range slices.Concat(s.faults, s.drops) {
		st.FaultsPending += f.Count
	}
	return st
}

// Reset forgets every ticket, fault and counter (ids start again at 001).
func (s *Sandbox) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickets, s.faults, s.drops = nil, nil, nil
	s.resetCounters()
}

// ResetCounters zeroes the counters but keeps tickets and faults, so a test
// can measure one phase of its run.
func (s *Sandbox) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetCounters()
}

func (s *Sandbox) resetCounters() {
	s.stats, s.inWindow = Stats{DeliveriesPending: s.stats.DeliveriesPending}, 0
}

func (s *Sandbox) count(update func(*Stats)) {
	s.mu.Lock()
	update(&s.stats)
	s.mu.Unlock()
}

// take uses up one count of the first fault in queue, if any.
func (s *Sandbox) take(queue *[]Fault) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(*queue) == 0 {
		return Fault{}, false
	}
	f := (*queue)[0]
	if (*queue)[0].Count--; (*queue)[0].Count == 0 {
		*queue = (*queue)[1:]
	}
	s.stats.FaultsInjected++
	return f, true
}

// applyFault answers a create with the next fault, or stalls it; nil lets
// the create go on.
func (s *Sandbox) applyFault(w http.ResponseWriter, r *http.Request) *apiError {
	f, ok := s.take(&s.faults)
	if !ok {
		return nil
	}
	switch f.Kind {
	case FaultRateLimit:
		wait := time.Duration(cmp.Or(f.RetryAfterMs, 1000)) * time.Millisecond
		reset := time.Now().Add(wait + time.Second - 1).Truncate(time.Second) // rounded up
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "Too many requests, please try again later."}
	case FaultServerError:
		return &apiError{Status: http.StatusInternalServerError, Code: "internal_error", Message: "Internal server error"}
	default: // FaultHang
		select {
		case <-time.After(time.Duration(f.DelayMs) * time.Millisecond):
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		return nil
	}
}

// handleAddFaults serves POST /__sandbox/faults: a Fault or a list of them.
func (s *Sandbox) handleAddFaults(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	var faults []Fault
	if err == nil && json.Unmarshal(body, &faults) != nil {
		faults = make([]Fault, 1)
		if err = json.Unmarshal(body, &faults[0]); err != nil {
			err = fmt.Errorf("want a fault or a list of faults: %w", err)
		}
	}
	if err == nil {
		err = s.InjectFault(faults...)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, badRequest("%v", err))
		return
	}
	s.logf("[sandbox] faults added: %s", body)
	writeJSON(w, http.StatusOK, s.Stats())
}

// admin serves an admin endpoint that does do, answering the counters.
func (s *Sandbox) admin(do func()) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		do()
		writeJSON(w, http.StatusOK, s.Stats())
	}
}
