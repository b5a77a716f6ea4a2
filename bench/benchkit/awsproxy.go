package benchkit

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// AWSProxy is a reverse proxy to moto_server that counts the AWS calls by
// operation (the X-Amz-Target header of both services' JSON protocols, e.g.
// "DynamoDB_20120810.PutItem") and can make a service unreachable. Point a
// function's AWS_ENDPOINT_URL at URL.
type AWSProxy struct {
	URL string // "http://127.0.0.1:port"

	srv   *httptest.Server
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	counts  map[string]int
	blocked []string // X-Amz-Target prefixes whose requests are cut
}

// StartAWSProxy listens on a free loopback port and forwards to target.
func StartAWSProxy(target string) (*AWSProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &AWSProxy{proxy: httputil.NewSingleHostReverseProxy(u), counts: map[string]int{}}
	p.srv = httptest.NewServer(p)
	p.URL = p.srv.URL
	return p, nil
}

// ServeHTTP counts and forwards a request, or drops the connection when
// its service is blocked (as an unreachable endpoint would).
func (p *AWSProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		target = r.Method + " " + r.URL.Path
	}
	p.mu.Lock()
	p.counts[target]++
	blocked := slices.ContainsFunc(p.blocked, func(prefix string) bool { return strings.HasPrefix(target, prefix) })
	p.mu.Unlock()
	if blocked {
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	p.proxy.ServeHTTP(w, r)
}

// Counts returns a copy of the counts by target.
func (p *AWSProxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// CountPrefix counts the requests whose target starts with prefix.
func (p *AWSProxy) CountPrefix(prefix string) int {
	n := 0
	for k, v := range p.Counts() {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Block cuts the requests whose target starts with prefix until Unblock.
func (p *AWSProxy) Block(prefix string) {
	p.mu.Lock()
	p.blocked = append(p.blocked, prefix)
	p.mu.Unlock()
}

// Unblock lets every request through again.
func (p *AWSProxy) Unblock() {
	p.mu.Lock()
	p.blocked = nil
	p.mu.Unlock()
}

// Close stops the proxy once the requests in flight are answered.
func (p *AWSProxy) Close() { p.srv.Close() }

// Target names of the calls the functions make.
const (
	TargetGetSecretValue = "secretsmanager.GetSecretValue"
	PrefixSecretsManager = "secretsmanager."
)
