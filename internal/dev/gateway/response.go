package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrMalformedResponse is WriteResponse's error for a result API Gateway
// answers 500.
var ErrMalformedResponse = errors.New("gateway: malformed Lambda proxy response")

// proxyResponse is the structured response of payload format 2.0.
type proxyResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// computedHeaders are API Gateway's own, never the function's.
var computedHeaders = map[string]bool{"content-length": true, "transfer-encoding": true, "connection": true}

// WriteResponse turns a function's result into the HTTP response, as HTTP
// API does for payload format 2.0. A JSON object with "statusCode" is a
// structured response (headers, multiValueHeaders, cookies as Set-Cookie,
// body, base64 when isBase64Encoded). Any other valid JSON is "format
// inference": 200, application/json, and the result itself as the body (a
// JSON string gives its text). It returns the status written; nothing is
// written on error.
func WriteResponse(w http.ResponseWriter, payload []byte) (int, error) {
	trimmed := bytes.TrimSpace(payload)
	var value any
	if json.Unmarshal(trimmed, &value) != nil {
		return 0, fmt.Errorf("%w: not JSON", ErrMalformedResponse)
	}
	if obj, ok := value.(map[string]any); ok && obj["statusCode"] != nil {
		var resp proxyResponse
		if err := json.Unmarshal(trimmed, &resp); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return writeStructured(w, resp)
	}
	body := trimmed
	if s, ok := value.(string); ok {
		body = []byte(s)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return http.StatusOK, nil
}

func writeStructured(w http.ResponseWriter, resp proxyResponse) (int, error) {
	status := resp.StatusCode
	if status < 100 || status > 599 {
		return 0, fmt.Errorf("%w: statusCode %d", ErrMalformedResponse, status)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return 0, fmt.Errorf("%w: body is not base64: %v", ErrMalformedResponse, err)
		}
		body = decoded
	}
	h := w.Header()
	for name, values := range resp.MultiValueHeaders {
		if !computedHeaders[strings.ToLower(name)] {
			for _, v := range values {
				h.Add(name, v)
			}
		}
	}
	for name, v := range resp.Headers {
		if !computedHeaders[strings.ToLower(name)] {
			h.Set(name, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h["Content-Type"] = nil // no sniffing: send what the function said
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status, nil
}
