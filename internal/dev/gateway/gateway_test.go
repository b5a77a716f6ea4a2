package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

func newGateway(t *testing.T, fn gateway.Invoker, mutate func(*gateway.Config)) *gateway.Gateway {
	t.Helper()
	cfg := gateway.Config{Routes: []gateway.Route{
		{Method: "POST", Path: "/tickets", Name: "CreateTicketFunction", Function: fn},
		{Method: "POST", Path: "/webhooks/periskope", Name: "WebhookFunction", Function: fn},
	}}
	if mutate != nil {
		mutate(&cfg)
	}
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func serve(g http.Handler, method, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

func TestGatewayOwnAnswers(t *testing.T) {
	tests := []struct {
		name       string
		fn         *capture
		mutate     func(*gateway.Config)
		method     string
		target     string
		body       string
		wantStatus int
		wantBody   string
		wantInvoke bool
	}{
		{"unknown path", &capture{}, nil, "POST", "/nope", "{}", 404, `{"message":"Not Found"}`, false},
		{"known path, other method", &capture{}, nil, "GET", "/tickets", "", 404, `{"message":"Not Found"}`, false},
		{"trailing slash is another path", &capture{}, nil, "POST", "/tickets/", "{}", 404, `{"message":"Not Found"}`, false},
		// HTTP API's 10 MiB: one byte over is refused as it is read; a body
		// at the limit is read, then is over Lambda's invoke limit.
		{"body over the limit", &capture{}, nil, "POST", "/tickets", strings.Repeat("x", 10<<20+1), 413, `{"message":"Request Entity Too Large"}`, false},
		{"body at the limit", &capture{}, nil, "POST", "/tickets", strings.Repeat("x", 10<<20), 413, `{"message":"Request Too Long"}`, false},
		{"invalid UTF-8 in a text body", &capture{}, nil, "POST", "/tickets", "{\"a\":\"\xff\"}", 204, ``, true},
		{"event over the invoke limit", &capture{}, nil, "POST", "/tickets", `{"a":"` + strings.Repeat("x", 6*1024*1024) + `"}`, 413, `{"message":"Request Too Long"}`, false},
		{"function error", &capture{result: &rie.Result{Payload: []byte(`{"errorType":"x"}`), Error: &rie.FunctionError{Type: "x"}}}, nil, "POST", "/tickets", "{}", 500, `{"message":"Internal Server Error"}`, true},
		{"emulator error", &capture{err: rie.ErrClosed}, nil, "POST", "/tickets", "{}", 500, `{"message":"Internal Server Error"}`, true},
		{"route integration timeout", &capture{wait: true}, func(c *gateway.Config) { c.Routes[0].Timeout = 20 * time.Millisecond }, "POST", "/tickets", "{}", 503, `{"message":"Service Unavailable"}`, true},
		{"malformed response", &capture{result: &rie.Result{Payload: []byte(`not json`)}}, nil, "POST", "/tickets", "{}", 500, `{"message":"Internal Server Error"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var access strings.Builder
			withLog := func(c *gateway.Config) {
				c.AccessLog = log.New(&access, "", 0)
				if tt.mutate != nil {
					tt.mutate(c)
				}
			}
			w := serve(newGateway(t, tt.fn, withLog), tt.method, tt.target, tt.body)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
			// logmetrics counts 4xx and 5xx from this field.
			if want := fmt.Sprintf("%s %s %d ", tt.method, tt.target, tt.wantStatus); !strings.HasPrefix(access.String(), want) {
				t.Errorf("access log %q, want it to start %q", access.String(), want)
			}
			if tt.wantBody != "" && w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", w.Header().Get("Content-Type"))
			}
			if w.Header().Get("Apigw-Requestid") == "" {
				t.Error("no Apigw-Requestid header")
			}
			if invoked := len(tt.fn.events) > 0; invoked != tt.wantInvoke {
				t.Errorf("function invoked = %v, want %v", invoked, tt.wantInvoke)
			}
		})
	}
}

func TestWriteResponse(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		wantStatus  int
		wantBody    string
		wantHeaders map[string][]string
		wantErr     bool
	}{
		{
			name:       "structured",
			payload:    `{"statusCode":201,"headers":{"Content-Type":"application/json","X-Trace":"t1","Content-Length":"999"},"body":"{\"ok\":true}"}`,
			wantStatus: 201, wantBody: `{"ok":true}`,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}, "X-Trace": {"t1"}},
		},
		{
			name:       "cookies become Set-Cookie",
			payload:    `{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"body":"hi","headers":{"content-type":"text/plain"}}`,
			wantStatus: 200, wantBody: "hi",
			wantHeaders: map[string][]string{"Set-Cookie": {"a=1; Path=/", "b=2"}, "Content-Type": {"text/plain"}},
		},
		{
			name:       "multi-value headers",
			payload:    `{"statusCode":200,"multiValueHeaders":{"X-Multi":["one","two"]}}`,
			wantStatus: 200, wantBody: "",
			wantHeaders: map[string][]string{"X-Multi": {"one", "two"}, "Content-Type": nil},
		},
		{
			name:       "base64 body",
			payload:    `{"statusCode":200,"isBase64Encoded":true,"body":"AAECAw==","headers":{"content-type":"application/octet-stream"}}`,
			wantStatus: 200, wantBody: "\x00\x01\x02\x03",
		},
		{
			name:       "inferred: object without statusCode",
			payload:    `{"message":"Hello from Lambda!"}`,
			wantStatus: 200, wantBody: `{"message":"Hello from Lambda!"}`,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
		},
		{
			name:       "inferred: string",
			payload:    `"Hello from Lambda!"`,
			wantStatus: 200, wantBody: `Hello from Lambda!`,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
		},
		{name: "inferred: number", payload: `42`, wantStatus: 200, wantBody: `42`},
		{name: "inferred: array", payload: `[1,2]`, wantStatus: 200, wantBody: `[1,2]`},
		{name: "not JSON", payload: `Hello`, wantErr: true},
		{name: "statusCode of the wrong type", payload: `{"statusCode":"201"}`, wantErr: true},
		{name: "statusCode out of range", payload: `{"statusCode":42}`, wantErr: true},
		{name: "bad base64", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"%%%"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			status, err := gateway.WriteResponse(w, []byte(tt.payload))
			if tt.wantErr {
				if !errors.Is(err, gateway.ErrMalformedResponse) {
					t.Errorf("err = %v, want ErrMalformedResponse", err)
				}
				if w.Body.Len() != 0 || len(w.Header()) != 0 {
					t.Error("an error must write nothing")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp := w.Result()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d (returned %d) %q, want %d %q", resp.StatusCode, status, body, tt.wantStatus, tt.wantBody)
			}
			for name, want := range tt.wantHeaders {
				if got := resp.Header.Values(name); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestNewRejectsBadRoutes(t *testing.T) {
	fn := &capture{}
	tests := map[string][]gateway.Route{
		"no function": {{Method: "POST", Path: "/tickets"}},
		"no path":     {{Method: "POST", Function: fn}},
		"duplicate":   {{Method: "POST", Path: "/a", Function: fn}, {Method: "POST", Path: "/a", Function: fn}},
	}
	for name, routes := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := gateway.New(gateway.Config{Routes: routes}); !errors.Is(err, gateway.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
}

func TestClientThatGoesAwayGetsNothingWritten(t *testing.T) {
	g := newGateway(t, &capture{wait: true}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("POST", "/tickets", strings.NewReader("{}")).WithContext(ctx)
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { g.ServeHTTP(w, r); close(done) }()
	cancel()
	<-done
	if w.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that left", w.Body.String())
	}
}

// A function that does not answer is cut off after its route's
// TimeoutInMillis, else after HTTP API's longest, 30s (in a synctest
// bubble: no real time passes).
func TestIntegrationTimeouts(t *testing.T) {
	for _, tt := range []struct {
		name    string
		timeout time.Duration // the route's
		want    time.Duration
	}{
		{"the route's", 20 * time.Millisecond, 20 * time.Millisecond},
		{"HTTP API's default", 0, 30 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := newGateway(t, &capture{wait: true}, func(c *gateway.Config) { c.Routes[0].Timeout = tt.timeout })
				start := time.Now()
				w := serve(g, "POST", "/tickets", "{}")
				if got := time.Since(start); w.Code != http.StatusServiceUnavailable || got != tt.want {
					t.Errorf("answered %d after %s, want 503 after %s", w.Code, got, tt.want)
				}
			})
		})
	}
}
