package benchkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// API is the local HTTP API: functions under the Runtime Interface Emulator
// behind the gateway, served on a free loopback port.
type API struct {
	URL       string
	Functions map[string]*rie.Function
	srv       *httptest.Server
}

// APIFunction is one function of an API and its route.
type APIFunction struct {
	Config       rie.Config
	Method, Path string
	Deadline     time.Duration // the route's integration timeout
}

// StartAPI starts the functions (prewarmed as Config says) and a gateway
// routing to them. wrap, when not nil, wraps the gateway's handler (to
// record answers in tests).
func StartAPI(fns []APIFunction, wrap func(http.Handler) http.Handler) (*API, error) {
	api := &API{Functions: map[string]*rie.Function{}}
	var routes []gateway.Route
	for _, f := range fns {
		fn, err := StartIn(f.Config, nil)
		if err != nil {
			api.Close()
			return nil, err
		}
		api.Functions[f.Config.Name] = fn
		routes = append(routes, gateway.Route{Method: f.Method, Path: f.Path, Name: f.Config.Name, Function: fn, Timeout: f.Deadline})
	}
	g, err := gateway.New(gateway.Config{Routes: routes})
	if err != nil {
		api.Close()
		return nil, err
	}
	var h http.Handler = g
	if wrap != nil {
		h = wrap(g)
	}
	api.srv = httptest.NewServer(h)
	api.URL = api.srv.URL
	return api, nil
}

// Close stops the gateway and every function process.
func (a *API) Close() {
	if a.srv != nil {
		a.srv.Close()
	}
	for _, fn := range a.Functions {
		_ = fn.Close()
	}
}

// Response is the answer to a request, or the error that stopped it.
type Response struct {
	Status  int
	Body    []byte
	Header  http.Header
	Latency time.Duration // from sending the request to having read the answer
	Err     error
}

// Send posts a request and reads its answer.
func Send(ctx context.Context, client *http.Client, url string, headers map[string]string, body []byte) Response {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return Response{Err: err}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Response{Err: err, Latency: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		err = fmt.Errorf("reading the answer: %w", err)
	}
	return Response{Status: resp.StatusCode, Body: b, Header: resp.Header, Latency: time.Since(start), Err: err}
}
