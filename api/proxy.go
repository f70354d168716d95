package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// ParseProxies reads a comma-separated list of trusted proxy addresses or
// networks ("127.0.0.1,10.0.0.0/8").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or network (10.0.0.1 or 10.0.0.0/8)", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or network (10.0.0.1 or 10.0.0.0/8)", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// SetTrustedProxies sets the proxies whose X-Forwarded-Proto the server
// believes: a request from one of them that says "https" arrived over TLS,
// and the desk's cookies are then Secure. None by default.
func (s *Server) SetTrustedProxies(p []netip.Prefix) {
	p = slices.Clone(p)
	s.proxies.Store(&p)
}

// fromTrustedProxy reports whether r's peer is a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return err == nil && s.trusted(a)
}

// trusted reports whether a is a trusted proxy.
func (s *Server) trusted(a netip.Addr) bool {
	ps := s.proxies.Load()
	if ps == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range *ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// secure reports whether r reached the server over TLS: directly, or
// through a trusted proxy whose X-Forwarded-Proto says https.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// ClientKey returns the address a request came from, as login attempts are
// counted: the peer, or behind a trusted proxy the last address of
// X-Forwarded-For that is not a trusted proxy; IPv6 addresses by their /64
// (one household or host has a whole /64).
func (s *Server) ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if s.fromTrustedProxy(r) {
		hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			a, err := netip.ParseAddr(h)
			if err != nil {
				break
			}
			host = h
			if !s.trusted(a) {
				break
			}
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
