package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// capture is an Invoker that keeps the events it receives and answers a
// fixed result.
type capture struct {
	mu     sync.Mutex
	events [][]byte
	result *rie.Result
	err    error
	wait   bool // block until the context ends
}

func (c *capture) Invoke(ctx context.Context, payload []byte) (*rie.Result, error) {
	c.mu.Lock()
	c.events = append(c.events, payload)
	c.mu.Unlock()
	if c.wait {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if c.result == nil {
		return &rie.Result{Payload: []byte(`{"statusCode":204}`)}, c.err
	}
	return c.result, c.err
}

func (c *capture) last(t *testing.T) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return c.events[len(c.events)-1]
}

func TestEventsMatchRecordedHTTPAPIEvents(t *testing.T) {
	const host = "https://aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"
	recorded := time.UnixMilli(1795316545123)
	tests := []struct {
		fixture   string
		method    string
		target    string
		body      []byte
		headers   [][2]string
		requestID string
		at        time.Time
	}{
		{
			fixture: "get-root.json", method: "GET", target: "/",
			headers: [][2]string{
				{"Accept", "*/*"}, {"User-Agent", "curl/7.58.0"},
				{"X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"},
			},
			requestID: "LV7fzho-PHcEJPw=", at: time.UnixMilli(1587481701067),
		},
		{
			fixture: "post-tickets.json", method: "POST", target: "/tickets?priority=high&tag=a&tag=b",
			body: []byte(`{"chat_id":"919876543210@c.us","subject":"Broken tap"}`),
			headers: [][2]string{
				{"Accept", "application/json"}, {"Content-Type", "application/json"},
				{"Idempotency-Key", "8d7f5f8e-2d2c-4c59-9a8e-0d1c7c1f5a11"}, {"User-Agent", "curl/8.5.0"},
				{"Cookie", "session=abc; theme=dark"}, {"X-Multi", "one"}, {"X-Multi", "two"},
				{"Connection", "keep-alive"}, // hop-by-hop: never forwarded
				{"X-Amzn-Trace-Id", "Root=1-6740f3a1-0a1b2c3d4e5f60718293a4b5"},
			},
			requestID: "Bq3xZg2aIAMEYqw=", at: recorded,
		},
		{
			fixture: "post-webhook-binary.json", method: "POST", target: "/webhooks/periskope",
			body: []byte{0, 1, 2, 3, 0xfe, 0xff},
			headers: [][2]string{
				{"Content-Type", "application/octet-stream"}, {"User-Agent", "Go-http-client/1.1"},
				{"X-Periskope-Signature", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},
				{"X-Amzn-Trace-Id", "Root=1-6740f3a1-ffeeddccbbaa998877665544"},
			},
			requestID: "Bq3xZg2aIAMEYqw=", at: recorded,
		},
		{
			fixture: "post-form.json", method: "POST", target: "/tickets",
			body: []byte("a=1&b=two"),
			headers: [][2]string{
				{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", "curl/8.5.0"},
				{"X-Amzn-Trace-Id", "Root=1-6740f3a1-0a1b2c3d4e5f60718293a4b5"},
			},
			requestID: "Bq3xZg2aIAMEYqw=", at: recorded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			request := func() *http.Request {
				r := httptest.NewRequest(tt.method, host+tt.target, bytes.NewReader(tt.body))
				r.RemoteAddr = "1.2.3.4:40000"
				for _, h := range tt.headers {
					r.Header.Add(h[0], h[1])
				}
				return r
			}
			r := request()
			routeKey := tt.method + " " + r.URL.Path
			// What ServeHTTP sends is BuildEvent's event with the API id,
			// request id and time ServeHTTP makes...
			sent := servedEvent(t, request())
			built, err := gateway.MarshalEvent(gateway.BuildEvent(r, tt.body, gateway.RequestMeta{
				RouteKey: routeKey, APIID: gateway.DefaultAPIID, RequestID: sent.requestID, Time: sent.at,
			}))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sent.payload, built) {
				t.Errorf("ServeHTTP sent\n%s\nnot BuildEvent's\n%s", sent.payload, built)
			}
			// ...which, with the recorded values, is the recorded event.
			payload, err := gateway.MarshalEvent(gateway.BuildEvent(r, tt.body, gateway.RequestMeta{
				RouteKey: routeKey, APIID: "aaaaaaaaaa", RequestID: tt.requestID, Time: tt.at,
			}))
			if err != nil {
				t.Fatal(err)
			}

			want := readJSON(t, filepath.Join("testdata", tt.fixture))
			var got map[string]any
			if err := json.Unmarshal(payload, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gotText, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("event differs from %s; got:\n%s", tt.fixture, gotText)
			}
		})
	}
}

// served is the event a gateway routing the fixtures' requests sent its
// function, and the request id and time it made for it.
type served struct {
	payload   []byte
	requestID string
	at        time.Time
}

func servedEvent(t *testing.T, r *http.Request) served {
	t.Helper()
	fn := &capture{}
	var routes []gateway.Route
	for _, key := range [][2]string{{"GET", "/"}, {"POST", "/tickets"}, {"POST", "/webhooks/periskope"}} {
		routes = append(routes, gateway.Route{Method: key[0], Path: key[1], Function: fn})
	}
	g, err := gateway.New(gateway.Config{Routes: routes})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	payload := fn.last(t)
	var ev struct {
		RequestContext struct {
			TimeEpoch int64 `json:"timeEpoch"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	return served{payload: payload, requestID: w.Header().Get("Apigw-Requestid"), at: time.UnixMilli(ev.RequestContext.TimeEpoch)}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// Over a real connection the event carries the listener's port, plain
// http, the client's address, and the body length; and what ServeHTTP
// gives BuildEvent: the route key, the API id, a new request id, the time.
func TestEventOverARealConnection(t *testing.T) {
	fn := &capture{}
	g, err := gateway.New(gateway.Config{Routes: []gateway.Route{{Method: "POST", Path: "/tickets", Function: fn}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	before := time.Now().UnixMilli()
	resp, err := http.Post(srv.URL+"/tickets", "application/json; charset=utf-8", bytes.NewReader([]byte(`{"a":1}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	after := time.Now().UnixMilli()

	var ev struct {
		RouteKey       string            `json:"routeKey"`
		Headers        map[string]string `json:"headers"`
		Body           string            `json:"body"`
		IsBase64       bool              `json:"isBase64Encoded"`
		RequestContext struct {
			RouteKey   string `json:"routeKey"`
			APIID      string `json:"apiId"`
			RequestID  string `json:"requestId"`
			DomainName string `json:"domainName"`
			HTTP       struct {
				SourceIP string `json:"sourceIp"`
			} `json:"http"`
			Time      string `json:"time"`
			TimeEpoch int64  `json:"timeEpoch"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(fn.last(t), &ev); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	checks := map[string][2]string{
		"content-length":    {ev.Headers["content-length"], "7"},
		"x-forwarded-port":  {ev.Headers["x-forwarded-port"], port},
		"x-forwarded-proto": {ev.Headers["x-forwarded-proto"], "http"},
		"x-forwarded-for":   {ev.Headers["x-forwarded-for"], "127.0.0.1"},
		"sourceIp":          {ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		"domainName":        {ev.RequestContext.DomainName, "127.0.0.1"},
		"body":              {ev.Body, `{"a":1}`},
		"apigw-requestid":   {resp.Header.Get("Apigw-Requestid"), ev.RequestContext.RequestID},
		"routeKey":          {ev.RouteKey, "POST /tickets"},
		"context routeKey":  {ev.RequestContext.RouteKey, "POST /tickets"},
		"apiId":             {ev.RequestContext.APIID, gateway.DefaultAPIID},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if ev.IsBase64 {
		t.Error("a JSON body with a charset must not be base64-encoded")
	}
	if len(ev.RequestContext.RequestID) != 16 || ev.Headers["x-amzn-trace-id"] == "" {
		t.Errorf("request id %q / trace id %q: want generated values", ev.RequestContext.RequestID, ev.Headers["x-amzn-trace-id"])
	}
	parsed, err := time.Parse("02/Jan/2006:15:04:05 -0700", ev.RequestContext.Time)
	if err != nil || parsed.Unix() != ev.RequestContext.TimeEpoch/1000 {
		t.Errorf("time %q (%v) does not match timeEpoch %d", ev.RequestContext.Time, err, ev.RequestContext.TimeEpoch)
	}
	if epoch := ev.RequestContext.TimeEpoch; epoch < before || epoch > after {
		t.Errorf("timeEpoch %d is not the request's time (%d..%d)", epoch, before, after)
	}
}
