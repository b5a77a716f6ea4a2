package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// timeLayout is requestContext.time as API Gateway writes it.
const timeLayout = "02/Jan/2006:15:04:05 -0700"

// RequestMeta is what API Gateway knows about a request besides the request
// itself (the account and stage are always DefaultAccountID and "$default").
type RequestMeta struct {
	RouteKey  string // "POST /tickets"
	APIID     string
	RequestID string
	Time      time.Time
}

// hopByHop headers are consumed by the connection and never forwarded.
var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "te": true,
	"trailer": true, "transfer-encoding": true, "upgrade": true,
}

// BuildEvent turns r, whose body was read into body, into HTTP API's
// payload format 2.0 event: header names lowercased, repeated headers and
// query parameters joined with commas, Cookie headers split into cookies,
// the body base64-encoded unless its content type is text (isText).
func BuildEvent(r *http.Request, body []byte, meta RequestMeta) events.APIGatewayV2HTTPRequest {
	sourceIP := hostOnly(r.RemoteAddr)
	domain := hostOnly(r.Host)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              meta.RouteKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies(r.Header),
		Headers:               eventHeaders(r, sourceIP),
		QueryStringParameters: queryParameters(r.URL.RawQuery),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     meta.RouteKey,
			AccountID:    DefaultAccountID,
			Stage:        defaultStage,
			RequestID:    meta.RequestID,
			APIID:        meta.APIID,
			DomainName:   domain,
			DomainPrefix: strings.SplitN(domain, ".", 2)[0],
			Time:         meta.Time.UTC().Format(timeLayout),
			TimeEpoch:    meta.Time.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func eventHeaders(r *http.Request, sourceIP string) map[string]string {
	h := make(map[string]string, len(r.Header)+5)
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" || hopByHop[lower] {
			continue
		}
		h[lower] = strings.Join(values, ",")
	}
	h["host"] = r.Host
	if _, ok := h["content-length"]; !ok && r.ContentLength >= 0 {
		h["content-length"] = strconv.FormatInt(r.ContentLength, 10)
	}
	// API Gateway appends the caller's address to any forwarded chain.
	if prior := h["x-forwarded-for"]; prior != "" {
		h["x-forwarded-for"] = prior + ", " + sourceIP
	} else {
		h["x-forwarded-for"] = sourceIP
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	h["x-forwarded-proto"] = proto
	h["x-forwarded-port"] = localPort(r, proto)
	if h["x-amzn-trace-id"] == "" { // X-Ray's: Root=1-<epoch seconds>-<96 random bits>
		var b [12]byte
		_, _ = rand.Read(b[:])
		h["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%s", time.Now().Unix(), hex.EncodeToString(b[:]))
	}
	return h
}

func cookies(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// queryParameters decodes the query string; nil (field omitted) when empty.
func queryParameters(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	values, _ := url.ParseQuery(raw) // keeps what parses, like API Gateway
	if len(values) == 0 {
		return nil
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// isText reports whether HTTP API passes a body of this content type as a
// UTF-8 string rather than base64. A missing content type counts as binary.
func isText(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mediaType, "text/") {
		return true
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return hostport
}

// localPort is the port the request came in on: the listener's, else the
// one in Host, else the scheme's default.
func localPort(r *http.Request, proto string) string {
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			return port
		}
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		return port
	}
	if proto == "https" {
		return "443"
	}
	return "80"
}
