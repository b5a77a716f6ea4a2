package periskope

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Errors for errors.Is; an *APIError matches the one of its status code.
var (
	ErrRedirected        = errors.New("periskope: redirected")   // any 3xx: the client never follows one
	ErrUnauthorized      = errors.New("periskope: unauthorized") // 401, 403
	ErrNotFound          = errors.New("periskope: not found")
	ErrRateLimited       = errors.New("periskope: rate limited")
	ErrInvalidRequest    = errors.New("periskope: invalid request")    // other 4xx
	ErrServer            = errors.New("periskope: server error")       // 5xx
	ErrMalformedResponse = errors.New("periskope: malformed response") // 2xx: a create's ticket may exist

	ErrMalformedEvent   = errors.New("periskope: malformed webhook event")
	ErrNotTicketEvent   = errors.New("periskope: not a ticket event")
	ErrMissingSignature = errors.New("periskope: missing webhook signature")
	ErrInvalidSignature = errors.New("periskope: webhook signature does not match")
	ErrNoSigningKeys    = errors.New("periskope: no signing keys configured")
	ErrInvalidID        = errors.New("periskope: identifier is not an exact JSON string") // in a *FieldError; as text it could be another id
)

// validationError is a request the client refuses to send (ErrInvalidRequest).
type validationError struct {
	field, reason string
}

func (e *validationError) Error() string {
	return "periskope: invalid request: " + e.field + ": " + e.reason
}

func (e *validationError) Is(target error) bool { return target == ErrInvalidRequest }

// APIError is a non-2xx answer from Periskope.
type APIError struct {
	StatusCode int
	Code       string        // Periskope's "code", if the body had one
	Message    string        // Periskope's "message", if the body had one
	TraceID    string        // x-periskope-trace-id: quote it to Periskope support
	RetryAfter time.Duration // for 429: how long until the rate limit resets, if known
	Op         string        // the call that failed, e.g. "POST /tickets/create"
}

// Error implements error; it holds no request body or credential.
func (e *APIError) Error() string {
	msg := "periskope"
	status := strings.TrimSpace(strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode))
	for _, s := range []string{e.Op, status, e.Code, e.Message} {
		if s != "" {
			msg += ": " + s
		}
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.TraceID != "" {
		msg += " (trace id " + e.TraceID + ")"
	}
	return msg
}

// Is matches the sentinel error of e's status code.
func (e *APIError) Is(target error) bool {
	s := e.StatusCode
	switch {
	case s >= 500:
		return target == ErrServer
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return target == ErrUnauthorized
	case s == http.StatusNotFound:
		return target == ErrNotFound
	case s == http.StatusTooManyRequests:
		return target == ErrRateLimited
	case s >= 400:
		return target == ErrInvalidRequest
	}
	return target == ErrRedirected && s >= 300
}

// IsTimeout reports a timeout, after which a create may have made a ticket.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// truncate shortens s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// FieldError names the identifier member sent inexactly (ErrInvalidID).
type FieldError struct {
	Field string // e.g. "event", "org_id", or from an event's data "ticket.ticket_id"
}

func (e *FieldError) Error() string { return e.Field + ": " + ErrInvalidID.Error() }

func (e *FieldError) Is(target error) bool { return target == ErrInvalidID }

// NeverSent reports that no connection was made: a create may be repeated.
func NeverSent(err error) bool {
	// Refused, no route, a failed DNS lookup or a dial that timed out. A
	// context that ends a dial is not: net/http then reports only the
	// context's error, so the request may have left.
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr)
}
