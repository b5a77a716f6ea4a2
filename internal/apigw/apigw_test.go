package apigw_test

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
)

func TestHeader(t *testing.T) {
	req := &events.APIGatewayV2HTTPRequest{Headers: map[string]string{"x-periskope-signature": "a", "Idempotency-Key": "b"}}
	for name, want := range map[string]string{
		"x-periskope-signature": "a",
		"X-Periskope-Signature": "a",
		"idempotency-key":       "b",
		"missing":               "",
	} {
		if got := apigw.Header(req, name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	e := &apigw.Error{Status: 429, Code: "rate_limited", Message: "slow down", Field: "chat_id", RetryAfter: 1500 * time.Millisecond}
	resp := e.Response()
	if resp.StatusCode != 429 || resp.Headers["retry-after"] != "2" || resp.Headers["content-type"] != "application/json" {
		t.Fatalf("response = %+v", resp)
	}
	var body struct {
		Error map[string]string `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"code": "rate_limited", "message": "slow down", "field": "chat_id"}
	if len(body.Error) != len(want) {
		t.Fatalf("error body = %v, want %v", body.Error, want)
	}
	for k, v := range want {
		if body.Error[k] != v {
			t.Errorf("error.%s = %q, want %q", k, body.Error[k], v)
		}
	}
}

func TestErrorWithoutFieldOrRetry(t *testing.T) {
	resp := (&apigw.Error{Status: 401, Code: "invalid_signature", Message: "no"}).Response()
	if strings.Contains(resp.Body, "field") || resp.Headers["retry-after"] != "" {
		t.Fatalf("response = %+v", resp)
	}
	short := (&apigw.Error{Status: 429, Code: "c", Message: "m", RetryAfter: time.Millisecond}).Response()
	if short.Headers["retry-after"] != "1" {
		t.Fatalf("retry-after = %q, want at least 1", short.Headers["retry-after"])
	}
}

func TestJSONFallsBackOnUnencodable(t *testing.T) {
	resp := apigw.JSON(200, map[string]any{"f": func() {}})
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, "internal_error") {
		t.Fatalf("response = %+v", resp)
	}
}

func TestLogLevel(t *testing.T) {
	for status, want := range map[int]slog.Level{200: slog.LevelInfo, 201: slog.LevelInfo, 400: slog.LevelWarn, 409: slog.LevelWarn,
		499: slog.LevelWarn, 500: slog.LevelError, 503: slog.LevelError} {
		if got := apigw.LogLevel(status); got != want {
			t.Errorf("LogLevel(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestLogAttrs(t *testing.T) {
	req := &events.APIGatewayV2HTTPRequest{}
	req.RequestContext.RequestID = "req-1"
	tests := []struct {
		name string
		err  *apigw.Error
		want string
	}{
		{"success", nil, "api_request_id=req-1 outcome=stored status=200 latency_ms=1.5"},
		{"error", &apigw.Error{Code: "invalid_json"}, "api_request_id=req-1 outcome=stored status=200 latency_ms=1.5 error_code=invalid_json"},
		{"error with a field", &apigw.Error{Code: "missing_field", Field: "chat_id"},
			"api_request_id=req-1 outcome=stored status=200 latency_ms=1.5 error_code=missing_field field=chat_id"},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range apigw.LogAttrs(req, "stored", 200, 1500*time.Microsecond, tt.err) {
			got = append(got, a.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: LogAttrs = %s, want %s", tt.name, strings.Join(got, " "), tt.want)
		}
	}
}

func TestReadBody(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	const tooLarge = "request body is larger than 10 bytes"
	tests := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		limit  int
		want   string
		status int
		code   string
		msg    string
	}{
		{"text", events.APIGatewayV2HTTPRequest{Body: `{"a":1}`}, 10, `{"a":1}`, 0, "", ""},
		{"base64", events.APIGatewayV2HTTPRequest{Body: b64(`{"a":1}`), IsBase64Encoded: true}, 10, `{"a":1}`, 0, "", ""},
		{"text at limit", events.APIGatewayV2HTTPRequest{Body: strings.Repeat("x", 10)}, 10, strings.Repeat("x", 10), 0, "", ""},
		{"text over limit", events.APIGatewayV2HTTPRequest{Body: strings.Repeat("x", 11)}, 10, "", 413, "body_too_large", tooLarge},
		{"base64 at limit", events.APIGatewayV2HTTPRequest{Body: b64(strings.Repeat("x", 10)), IsBase64Encoded: true}, 10, strings.Repeat("x", 10), 0, "", ""},
		{"base64 over limit", events.APIGatewayV2HTTPRequest{Body: b64(strings.Repeat("x", 11)), IsBase64Encoded: true}, 10, "", 413, "body_too_large", tooLarge},
		{"huge base64 refused before decoding", events.APIGatewayV2HTTPRequest{Body: strings.Repeat("A", 1000), IsBase64Encoded: true}, 10, "", 413, "body_too_large", tooLarge},
		{"over a KiB limit", events.APIGatewayV2HTTPRequest{Body: strings.Repeat("x", 2049)}, 2048, "", 413, "body_too_large", "request body is larger than 2 KiB"},
		{"bad base64", events.APIGatewayV2HTTPRequest{Body: "!!!!", IsBase64Encoded: true}, 10, "", 400, "invalid_body", "request body is not valid base64"},
	}
	for _, tt := range tests {
		got, e := apigw.ReadBody(&tt.req, tt.limit)
		switch {
		case tt.code == "" && (e != nil || string(got) != tt.want):
			t.Errorf("%s: %q, %v; want %q", tt.name, got, e, tt.want)
		case tt.code != "" && (e == nil || got != nil || e.Status != tt.status || e.Code != tt.code || e.Message != tt.msg):
			t.Errorf("%s: %q, %+v; want %d %s %q", tt.name, got, e, tt.status, tt.code, tt.msg)
		}
	}
}

func TestInvalidJSON(t *testing.T) {
	for body, want := range map[string]string{
		"":        "request body is empty; send a JSON object",
		" \n\t":   "request body is empty; send a JSON object",
		`{"a":`:   "request body is not valid JSON",
		"\f{}\v ": "request body is not valid JSON",
	} {
		if e := apigw.InvalidJSON([]byte(body)); e.Status != 400 || e.Code != "invalid_json" || e.Message != want {
			t.Errorf("%q: %+v, want 400 invalid_json %q", body, e, want)
		}
	}
}

func TestAppendStrings(t *testing.T) {
	attrs := apigw.AppendStrings([]slog.Attr{slog.Int("status", 200)}, "a", "1", "empty", "", "b", "2", "odd")
	var got []string
	for _, a := range attrs {
		got = append(got, a.String())
	}
	if want := "status=200 a=1 b=2"; strings.Join(got, " ") != want {
		t.Errorf("AppendStrings = %s, want %s", strings.Join(got, " "), want)
	}
}
