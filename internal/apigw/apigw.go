// Package apigw holds what both functions need to speak API Gateway HTTP API
// (payload format 2.0): the raw body, headers whatever their case, JSON
// answers including the error body {"error": {"code", "message", "field"}},
// and the fields every request's log line starts with.
package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Header returns the value of the named header, matching case-insensitively.
// API Gateway lowercases names, but direct invocations may not.
func Header(req *events.APIGatewayV2HTTPRequest, name string) string {
	if v, ok := req.Headers[name]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Error codes both routes answer, each for the same fault on both.
const (
	// CodeBodyTooLarge (413): the body is over the route's limit.
	CodeBodyTooLarge = "body_too_large"
	// CodeInvalidBody (400): the body is marked base64 but does not
	// decode, or it is JSON but not an object.
	CodeInvalidBody = "invalid_body"
	// CodeInvalidJSON (400): the body is empty or not valid JSON.
	CodeInvalidJSON = "invalid_json"
	// CodeMissingField (400): a required member is absent or blank.
	CodeMissingField = "missing_field"
	// CodeInvalidField (400): a member has a value the route refuses.
	CodeInvalidField = "invalid_field"
	// CodeInternal (500): a fault of ours that says nothing to the caller.
	CodeInternal = "internal_error"
)

// ReadBody returns the raw request body, decoding base64 (API Gateway
// encodes non-text content types). A body over limit bytes is refused
// before it is decoded.
func ReadBody(req *events.APIGatewayV2HTTPRequest, limit int) ([]byte, *Error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > limit {
			return nil, bodyTooLarge(limit)
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > limit+2 { // padding slack
		return nil, bodyTooLarge(limit)
	}
	body, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: "request body is not valid base64"}
	}
	if len(body) > limit {
		return nil, bodyTooLarge(limit)
	}
	return body, nil
}

func bodyTooLarge(limit int) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge, Message: "request body is larger than " + byteSize(limit)}
}

// InvalidJSON is the answer to body, which is empty or not valid JSON.
func InvalidJSON(body []byte) *Error {
	msg := "request body is not valid JSON"
	if len(bytes.TrimSpace(body)) == 0 {
		msg = "request body is empty; send a JSON object"
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidJSON, Message: msg}
}

// NotAnObject is the answer to valid JSON that is not an object.
func NotAnObject() *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidBody, Message: "request body must be a JSON object"}
}

func byteSize(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// Error is an API error answered to the client. Its Message is written for a
// human, in one style on both routes (lower case, no final period, clauses
// joined with "; "), and never carries internal details.
type Error struct {
	Status     int
	Code       string
	Message    string
	Field      string        // the request field at fault, if one is
	RetryAfter time.Duration // sent as Retry-After (whole seconds, at least 1) when set
}

// Response renders e as the product's JSON error body.
func (e *Error) Response() events.APIGatewayV2HTTPResponse {
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	}
	resp := JSON(e.Status, struct {
		Error detail `json:"error"`
	}{detail{e.Code, e.Message, e.Field}})
	if e.RetryAfter > 0 {
		resp.Headers["retry-after"] = strconv.Itoa(max(int((e.RetryAfter+time.Second-1)/time.Second), 1))
	}
	return resp
}

// JSON answers status with v encoded as JSON.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"`+CodeInternal+`","message":"internal error"}}`)
	}
	return RawJSON(status, body)
}

// RawJSON answers status with body, which must already be JSON.
func RawJSON(status int, body []byte) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"content-type":           "application/json",
			"cache-control":          "no-store",
			"x-content-type-options": "nosniff",
		},
		Body: string(body),
	}
}

// LogLevel is the level of a request's log line by its answer: ERROR for a
// 5xx (ours to fix), WARN for a 4xx (the caller's), INFO otherwise.
func LogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// LogAttrs returns the fields every request's log line starts with, then
// error_code and field when the answer is the error e.
func LogAttrs(req *events.APIGatewayV2HTTPRequest, outcome string, status int, latency time.Duration, e *Error) []slog.Attr {
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("api_request_id", req.RequestContext.RequestID),
		slog.String("outcome", outcome),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(latency.Microseconds())/1000),
	)
	if e != nil {
		attrs = append(attrs, slog.String("error_code", e.Code))
		if e.Field != "" {
			attrs = append(attrs, slog.String("field", e.Field))
		}
	}
	return attrs
}

// AppendStrings appends to attrs each key-value pair of kv whose value is
// not empty.
func AppendStrings(attrs []slog.Attr, kv ...string) []slog.Attr {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			attrs = append(attrs, slog.String(kv[i], kv[i+1]))
		}
	}
	return attrs
}
