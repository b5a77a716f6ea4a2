package secretcache

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// transient reports whether a failed read may succeed unchanged a moment
// later: no answer, throttling, or a server fault. Any other answer, and a
// value that does not parse, holds until someone changes the secret or its
// permissions, and the cached value must not outlive it.
func transient(err error) bool {
	var respErr *smithyhttp.ResponseError
	var apiErr smithy.APIError
	var netErr net.Error
	var opErr *net.OpError
	var decodeErr *smithy.DeserializationError
	switch {
	case errors.Is(err, ErrMalformed):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &respErr) && (respErr.HTTPStatusCode() >= 500 || respErr.HTTPStatusCode() == 429):
		return true
	case errors.As(err, &apiErr):
		_, throttled := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]
		return throttled || apiErr.ErrorFault() == smithy.FaultServer
	case errors.As(err, &netErr), errors.As(err, &opErr), errors.As(err, &decodeErr):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		return true
	}
	return false
}

// ErrorCode names a failed AWS call for a log line without its message,
// which is not ours to vouch for: the AWS error code, else the kind of
// failure.
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, ErrMalformed):
		return "MalformedSecret"
	case errors.As(err, &netErr), errors.As(err, &opErr), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, io.ErrUnexpectedEOF):
		return "NetworkError"
	default:
		return "Unknown"
	}
}
