package text

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CheckBaseURL accepts an API prefix https://host[/prefix], and plain http
// only for a loopback host or for plainHTTPHost when it is set: anywhere
// else an API key would cross the network in clear text. The error quotes
// the URL with any password masked, and not at all when it does not parse.
func CheckBaseURL(raw, plainHTTPHost string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL; want https://host[/prefix]")
	}
	host, allowed := u.Hostname(), "a loopback host"
	if plainHTTPHost != "" {
		allowed += " or " + plainHTTPHost
	}
	switch {
	case u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("%q: want https://host[/prefix]", u.Redacted())
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: no user info, query or fragment allowed", u.Redacted())
	case u.Scheme == "http" && !isLoopback(host) && (plainHTTPHost == "" || !strings.EqualFold(host, plainHTTPHost)):
		return fmt.Errorf("%q: plain http is allowed only for %s; use https", u.Redacted(), allowed)
	}
	return nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
