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

// Errors, matched with errors.Is. An *APIError matches the one for its
// status code; ErrRedirected is any 3xx, as the client never follows one.
var (
	ErrRedirected     = errors.New("periskope: redirected")
	ErrUnauthorized   = errors.New("periskope: unauthorized") // 401, 403
	ErrNotFound       = errors.New("periskope: not found")
	ErrRateLimited    = errors.New("periskope: rate limited")
	ErrInvalidRequest = errors.New("periskope: invalid request") // other 4xx
	ErrServer         = errors.New("periskope: server error")

	// ErrMalformedResponse is a 2xx answer that is not the JSON expected;
	// for a create the ticket may well exist.
	ErrMalformedResponse = errors.New("periskope: malformed response")

	ErrMalformedEvent   = errors.New("periskope: malformed webhook event")
	ErrNotTicketEvent   = errors.New("periskope: not a ticket event")
	ErrMissingSignature = errors.New("periskope: missing webhook signature")
	ErrInvalidSignature = errors.New("periskope: webhook signature does not match")
	ErrNoSigningKeys    = errors.New("periskope: no signing keys configured")

	// ErrInvalidID, in a *FieldError, is an id (event, org_id, ticket_id)
	// that is not a JSON string or would read as U+FFFD.
	ErrInvalidID = errors.New("periskope: identifier is not an exact JSON string")
)

// validationError is a request the client refuses to send; it matches
// ErrInvalidRequest.
type validationError struct {
	field  string // the JSON name
	reason string // for a human
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
	var b strings.Builder
	b.WriteString("periskope: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.TraceID != "" {
		b.WriteString(" (trace id " + e.TraceID + ")")
	}
	return b.String()
}

// Is matches the sentinel error of e's status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRedirected:
		return e.StatusCode >= 300 && e.StatusCode < 400
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrInvalidRequest:
		switch e.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
			return false
		}
		return e.StatusCode >= 400 && e.StatusCode < 500
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// IsTimeout reports whether err is a timeout (of the context, the attempt
// or the network): such a create may or may not have made a ticket.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// newAPIError is the error of a non-2xx answer, with the code and message
// of its body (see decodeErrorBody), bounded.
func newAPIError(r *response) *APIError {
	code, message := decodeErrorBody(r.body)
	return &APIError{StatusCode: r.status, Op: r.op, TraceID: r.traceID(), Code: truncate(code, 100), Message: truncate(message, 500)}
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

// FieldError names the member at fault.
type FieldError struct {
	Field string // e.g. "event", "org_id", or from an event's data "ticket.ticket_id"
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// NeverSent reports whether err proves no connection was made, so even a
// create can be repeated without risk of a duplicate.
func NeverSent(err error) bool {
	// Refused, no route, a failed DNS lookup or a dial that timed out. An
	// attempt timeout or a context deadline that ends a dial is not
	// recognised: net/http then reports only the context's error, so the
	// request may or may not have left.
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
