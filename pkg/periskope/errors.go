package periskope

import (
	"errors"
	"time"
)

// Sentinel errors for API failures; an *APIError matches the one for its
// status code with errors.Is.
var (
	ErrUnauthorized   = errors.New("periskope: unauthorized")
	ErrNotFound       = errors.New("periskope: not found")
	ErrRateLimited    = errors.New("periskope: rate limited")
	ErrInvalidRequest = errors.New("periskope: invalid request")
	ErrServer         = errors.New("periskope: server error")
)

// APIError is a non-2xx answer from Periskope.
type APIError struct {
	StatusCode int
	Code       string        // Periskope's "code", if the body had one
	Message    string        // Periskope's "message", if the body had one
	TraceID    string        // x-periskope-trace-id: quote it to Periskope support
	RetryAfter time.Duration // for 429: how long until the rate limit resets, if known
}
