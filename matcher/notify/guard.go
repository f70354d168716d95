package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// The private-range guard: a webhook URL is chosen by a user, and the
// server posts to it, so that without a guard a subscription could make the
// server send requests into its own network (SSRF; the Standard Webhooks
// specification's "Server side request forgery" section). By default the
// server posts only to public addresses; the check runs on the address
// actually dialled (after DNS, at every send), so that a name that resolves
// to a private address, now or later, is refused too.

// blockedNets are the ranges besides those netip classifies (loopback,
// private, link-local, multicast, unspecified) that are not the public
// internet.
var blockedNets = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and the broadcast address
		"64:ff9b::/96",    // NAT64 (may embed a private IPv4 address)
		"2001:db8::/32",   // documentation
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Private reports whether a is an address the guard refuses: loopback,
// private (RFC 1918, fc00::/7), link-local, multicast, unspecified, or
// another range that is not the public internet.
func Private(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range blockedNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ErrPrivate is the error of a dial the guard refused.
type ErrPrivate struct{ Addr string }

func (e *ErrPrivate) Error() string {
	return fmt.Sprintf("refused to post to %s: a loopback, link-local or private address (serve --allow-private-webhooks allows them)", e.Addr)
}

// control is the dialer's check of every address it connects to.
func control(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &ErrPrivate{Addr: address}
		}
		if Private(ap.Addr()) {
			return &ErrPrivate{Addr: ap.Addr().String()}
		}
		return nil
	}
}

// NewClient returns the client that posts webhooks: every address it
// dials passes the guard (unless allowPrivate), it uses no proxy (a proxy
// would be what is dialled), follows no redirect (a 3xx is a failure: the
// URL should be updated) and gives up after timeout.
func NewClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control(allowPrivate)}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// A receiver's answer is small; read at most maxAnswer of it.
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// MaxURLLen bounds a webhook URL.
const MaxURLLen = 2048

// checkURL checks a webhook URL at creation: http or https, a host, no
// user name or password, no fragment, and (unless allowPrivate) not an
// address literal or a local name in a private range. A name is checked
// again on the address it resolves to at every send.
func checkURL(raw string, allowPrivate bool) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("is required")
	}
	if len(raw) > MaxURLLen {
		return nil, fmt.Errorf("is longer than %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("must be an http or https URL, got scheme %q", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("must name a host")
	case u.User != nil:
		return nil, fmt.Errorf("must not hold a user name or password")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("must not have a fragment (#...)")
	case strings.ContainsAny(raw, " \t\r\n"):
		return nil, fmt.Errorf("must not hold white space")
	}
	if allowPrivate {
		return u, nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a, err := netip.ParseAddr(host); err == nil && Private(a) {
		return nil, fmt.Errorf("points at %s, a loopback, link-local or private address (serve --allow-private-webhooks allows them)", a)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return nil, fmt.Errorf("points at %s, a local name (serve --allow-private-webhooks allows it)", host)
	}
	return u, nil
}
