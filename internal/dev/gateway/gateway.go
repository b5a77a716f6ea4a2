// Package gateway is a local stand-in for API Gateway HTTP API in front of
// Lambda functions: it turns HTTP requests into payload format 2.0 events,
// invokes the function of the matching route and turns its result back into
// an HTTP response, answering API Gateway's own errors as HTTP API does.
//
// Routes match on method and exact path, like HTTP API route keys
// ("POST /tickets"). HTTP API has no 405: any request without a matching
// route, whatever its method, is 404 {"message":"Not Found"}.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
)

// HTTP API's and Lambda's limits, and the ids events carry.
const (
	maxBodyBytes = 10 * 1024 * 1024 // HTTP API's payload limit
	// maxInvokeBytes is Lambda's limit on a synchronous invocation's payload
	// (6 MiB): event, envelope and escaped or base64 body together.
	maxInvokeBytes            = 6 * 1024 * 1024
	defaultIntegrationTimeout = 30 * time.Second // HTTP API's longest integration timeout
	DefaultAPIID              = "localapiid"
	DefaultAccountID          = "123456789012"
	defaultStage              = "$default"
)

// ErrConfig reports an unusable Config.
var ErrConfig = errors.New("gateway: invalid config")

// Invoker runs one event through a function (*rie.Function).
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (*rie.Result, error)
}

// Route sends requests with Method and exactly Path to Function.
type Route struct {
	Method   string // "POST"
	Path     string // "/tickets"
	Name     string // shown in the access log, e.g. "CreateTicketFunction"
	Function Invoker
	// Timeout is the route's TimeoutInMillis (default 30s, HTTP API's most).
	Timeout time.Duration
}

// Key is the HTTP API route key, "POST /tickets".
func (rt Route) Key() string { return rt.Method + " " + rt.Path }

// Config configures a Gateway.
type Config struct {
	Routes []Route
	// AccessLog receives one line per request; nil for none.
	AccessLog *log.Logger
}

// Gateway is an http.Handler standing in for an HTTP API.
type Gateway struct {
	routes    map[string]Route // by Key
	accessLog *log.Logger
}

// New checks cfg's routes.
func New(cfg Config) (*Gateway, error) {
	g := &Gateway{routes: map[string]Route{}, accessLog: cfg.AccessLog}
	for _, rt := range cfg.Routes {
		if rt.Method == "" || rt.Path == "" || rt.Function == nil {
			return nil, fmt.Errorf("%w: route %q needs a method, a path and a function", ErrConfig, rt.Key())
		}
		if _, dup := g.routes[rt.Key()]; dup {
			return nil, fmt.Errorf("%w: duplicate route %q", ErrConfig, rt.Key())
		}
		g.routes[rt.Key()] = rt
	}
	return g, nil
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	w.Header().Set("Apigw-Requestid", requestID)
	var status int
	route, ok := g.routes[r.Method+" "+r.URL.Path]
	if !ok {
		status = writeMessage(w, http.StatusNotFound, "Not Found")
	} else {
		status = g.serveRoute(w, r, route, requestID)
	}
	if g.accessLog != nil {
		g.accessLog.Printf("%s %s %d %.1fms %s requestId=%s", r.Method, r.URL.RequestURI(), status,
			float64(time.Since(start).Microseconds())/1000, route.Name, requestID)
	}
}

// serveRoute answers r with route's function and returns the status it
// wrote, 0 when the client went away.
func (g *Gateway) serveRoute(w http.ResponseWriter, r *http.Request, route Route, requestID string) int {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		}
		return writeMessage(w, http.StatusBadRequest, "Bad Request")
	}
	event := BuildEvent(r, body, RequestMeta{
		RouteKey: route.Key(), APIID: DefaultAPIID, RequestID: requestID, Time: time.Now(),
	})
	payload, err := MarshalEvent(event)
	if err != nil {
		return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	// A body under HTTP API's 10 MB can still make an event over Lambda's
	// invoke limit (the envelope, JSON escaping, base64). API Gateway answers
	// that 413 {"message":"Request Too Long"} without running the function,
	// where the emulator's refusal would read as a function failure (500).
	if len(payload) > maxInvokeBytes {
		return writeMessage(w, http.StatusRequestEntityTooLarge, "Request Too Long")
	}
	ctx, cancel := context.WithTimeout(r.Context(), local.OrDefault(route.Timeout, defaultIntegrationTimeout))
	defer cancel()
	res, err := route.Function.Invoke(ctx, payload)
	switch {
	case err != nil && r.Context().Err() != nil:
		return 0 // the client went away; nobody to answer
	case errors.Is(err, context.DeadlineExceeded):
		return writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
	case err == nil && res.Error == nil:
		if status, err := WriteResponse(w, res.Payload); err == nil {
			return status
		}
	}
	return writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
}

// MarshalEvent encodes an event as HTTP API sends it, map keys sorted: the
// events type's requestContext.authentication (sent only with mutual TLS)
// and authorizer.iam.cognitoIdentity (only for Cognito callers) encode as {},
// which their omitempty leaves out. Invalid UTF-8 in a text body or header
// becomes U+FFFD: the function is invoked, not answered 500.
func MarshalEvent(ev events.APIGatewayV2HTTPRequest, opts ...json.Options) ([]byte, error) {
	return json.Marshal(ev, append(opts, json.Deterministic(true), jsontext.AllowInvalidUTF8(true), json.WithMarshalers(leftOut))...)
}

var leftOut = json.JoinMarshalers(
	json.MarshalFunc(asEmpty[events.APIGatewayV2HTTPRequestContextAuthentication]),
	json.MarshalFunc(asEmpty[events.APIGatewayV2HTTPRequestContextAuthorizerCognitoIdentity]),
)

func asEmpty[T any](T) ([]byte, error) { return []byte("{}"), nil }

// writeMessage answers like API Gateway's own errors, {"message": "..."},
// and returns status.
func writeMessage(w http.ResponseWriter, status int, message string) int {
	body, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// newRequestID returns an id shaped like HTTP API's ("LV7fzho-PHcEJPw=").
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
