package benchkit

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// AWSProxy is a reverse proxy in front of moto_server that counts the AWS
// calls passing through it by operation ("secretsmanager.GetSecretValue",
// "DynamoDB_20120810.PutItem", from the X-Amz-Target header of the JSON
// protocols both services use) and can make one service unreachable. Point
// a function's AWS_ENDPOINT_URL at URL.
type AWSProxy struct {
	// URL is the proxy's address, "http://127.0.0.1:port".
	URL string

	srv   *http.Server
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &AWSProxy{URL: "http://" + ln.Addr().String(), proxy: httputil.NewSingleHostReverseProxy(u), counts: map[string]int{}}
	p.proxy.ErrorLog = nil
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
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
	blocked := false
	for _, prefix := range p.blocked {
		blocked = blocked || strings.HasPrefix(target, prefix)
	}
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

// CountPrefix returns how many requests whose target starts with prefix
// were seen.
func (p *AWSProxy) CountPrefix(prefix string) int {
	n := 0
	for k, v := range p.Counts() {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Block makes requests whose target starts with prefix fail as if the
// service were unreachable, until Unblock.
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

// Close stops the proxy.
func (p *AWSProxy) Close() error { return p.srv.Close() }

// Target names of the calls the functions make.
const (
	TargetGetSecretValue = "secretsmanager.GetSecretValue"
	PrefixSecretsManager = "secretsmanager."
)

// Summary lists the counts by target, sorted, "secretsmanager.GetSecretValue=2, ...".
func (p *AWSProxy) Summary() string {
	counts := p.Counts()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
