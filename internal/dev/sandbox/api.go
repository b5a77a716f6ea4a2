package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

const maxRequestBytes = 1 << 20

// apiError is an error answer. Periskope documents no error codes; these
// are the sandbox's own.
type apiError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "invalid_request", Message: fmt.Sprintf(format, args...)}
}

func (s *Sandbox) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v1/tickets/create", s.api(s.createTicket, true))
	s.mux.HandleFunc("GET /v1/tickets", s.api(s.listTickets, false))
	s.mux.HandleFunc("GET /v1/tickets/{id}", s.api(s.getTicket, false))
	s.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.commonHeaders(w)
		writeJSON(w, http.StatusNotFound, apiError{Code: "not_found", Message: "Cannot " + r.Method + " " + r.URL.Path})
	})
	s.mux.HandleFunc("POST /__sandbox/faults", s.handleAddFaults)
	s.mux.HandleFunc("DELETE /__sandbox/faults", s.admin(s.ClearFaults))
	s.mux.HandleFunc("GET /__sandbox/stats", s.admin(func() {}))
	s.mux.HandleFunc("POST /__sandbox/reset", s.admin(s.Reset))
}

// api wraps h, which answers an admitted /v1 request with a 200 and its
// answer or an error, in the headers, admission and log line every
// endpoint shares.
func (s *Sandbox) api(h func(r *http.Request, body []byte) (any, *apiError), isCreate bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.commonHeaders(w)
		status, answer := http.StatusOK, any(nil)
		body, e := s.admit(w, r, isCreate)
		if e == nil {
			answer, e = h(r, body)
		}
		if e != nil {
			status, answer = e.Status, e
		}
		writeJSON(w, status, answer)
		s.logf("[sandbox] %s %s %d %.1fms", r.Method, r.URL.RequestURI(), status, float64(time.Since(start).Microseconds())/1000)
	}
}

// admit reads r's body and checks r as Periskope would, in its order:
// size, bearer key, (for a create) injected faults, x-phone, the spec.
func (s *Sandbox) admit(w http.ResponseWriter, r *http.Request, isCreate bool) ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, badRequest("reading the body: %v", err)
	}
	if len(body) > maxRequestBytes {
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large", Message: "request entity too large"}
	}
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(local.APIKey)) != 1 {
		return nil, &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "Unauthorized: missing or invalid API key"}
	}
	if isCreate {
		s.count(func(st *Stats) { st.CreatesReceived++ })
		if e := s.applyFault(w, r); e != nil {
			return nil, e
		}
	}
	if err := periskopetest.CheckPhone(r.Header.Get("x-phone")); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: "invalid_phone", Message: err.Error()}
	}
	if err := s.spec.Validate(r, body); err != nil {
		return nil, badRequest("%v", err)
	}
	return body, nil
}

// commonHeaders sets what Periskope sends on every answer.
func (s *Sandbox) commonHeaders(w http.ResponseWriter) {
	second := time.Now().Unix()
	s.mu.Lock()
	if second != s.window {
		s.window, s.inWindow = second, 0
	}
	s.inWindow++
	s.stats.APIRequests++
	s.stats.MaxRequestsPerSecond = max(s.stats.MaxRequestsPerSecond, s.inWindow)
	remaining := max(DefaultRateLimit-s.inWindow, 0)
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(DefaultRateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(second+1, 10))
	h.Set("x-periskope-trace-id", uuid.NewString())
	h.Set("x-periskope-org-id", DefaultOrgID)
	h.Set("x-periskope-phone-id", "phone-localsandbox") // nothing reads it: one phone will do
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"message":"encoding failed","code":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
