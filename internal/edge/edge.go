// Package edge says who is really on the other end of a request and whether
// this server should answer it: the client's address, whether it came over
// HTTPS and which host it asked for — believing X-Forwarded-* headers only
// from the reverse proxies the operator trusts — and the host names the
// server answers to, which is what defeats DNS rebinding.
//
// A proxy that is not trusted is just a client: its X-Forwarded-For is
// whatever the client claimed, so it never decides a rate-limit key, a
// cookie's Secure flag or HSTS.
package edge

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// Trust is the set of reverse proxies whose X-Forwarded-* headers are
// believed. The zero value trusts none.
type Trust struct {
	proxies []netip.Prefix
}

// ParseTrust reads a comma-separated list of addresses and CIDR prefixes
// ("10.0.0.0/8, 127.0.0.1") — TARGETVISION_TRUSTED_PROXIES.
func ParseTrust(list string) (Trust, error) {
	var t Trust
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			t.proxies = append(t.proxies, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return Trust{}, fmt.Errorf("edge: trusted proxy %q is neither an address nor a CIDR prefix", item)
		}
		t.proxies = append(t.proxies, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return t, nil
}

// trusted reports whether a is one of the trusted proxies.
func (t Trust) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Info is what the edge knows about a request.
type Info struct {
	// ClientIP is the address of the client: the peer, or — when the peer
	// is a trusted proxy — the nearest untrusted address in
	// X-Forwarded-For. Invalid when the peer address cannot be parsed.
	ClientIP netip.Addr
	// HTTPS is true when the client's connection was TLS: ours, or a
	// trusted proxy's that says so in X-Forwarded-Proto.
	HTTPS bool
	// Host is the host the client asked for, port included when it gave
	// one: Host, or a trusted proxy's X-Forwarded-Host.
	Host string
}

// Resolve works out r's Info.
func (t Trust) Resolve(r *http.Request) Info {
	peer := peerAddr(r)
	info := Info{ClientIP: peer, HTTPS: r.TLS != nil, Host: r.Host}
	if !peer.IsValid() || !t.trusted(peer) {
		return info
	}
	// X-Forwarded-For lists the client and each proxy in turn; each proxy
	// appends the address it was connected from. Walking from the right,
	// the first address not ours is the client as far as we can know.
	hops := forwardedFor(r)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // a client-written value: stop at what we can vouch for
		}
		info.ClientIP = a.Unmap()
		if !t.trusted(a) {
			break
		}
	}
	if proto := lastValue(r.Header.Values("X-Forwarded-Proto")); proto != "" {
		info.HTTPS = strings.EqualFold(proto, "https")
	}
	if host := lastValue(r.Header.Values("X-Forwarded-Host")); host != "" {
		info.Host = host
	}
	return info
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// forwardedFor is every address of every X-Forwarded-For header, in order.
func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// lastValue is the last comma-separated item of the last header value: the
// one the nearest proxy set.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	items := strings.Split(values[len(values)-1], ",")
	return strings.TrimSpace(items[len(items)-1])
}

type infoKey struct{}

// WithInfo returns ctx carrying info; the HTTP layer's first middleware
// sets it so every later one reads the same answer.
func WithInfo(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// From returns r's Info as the middleware resolved it, or — for a request
// that did not pass through it (a unit test) — what r says directly,
// trusting no proxy.
func From(r *http.Request) Info {
	if info, ok := r.Context().Value(infoKey{}).(Info); ok {
		return info
	}
	return Trust{}.Resolve(r)
}

// ClientKey is the client's address as a rate-limit key.
func ClientKey(r *http.Request) string {
	if a := From(r).ClientIP; a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// Hosts are the host names the server answers to.
type Hosts struct {
	names map[string]bool
}

// ParseHosts takes TARGETVISION_PUBLIC_URL: one or more comma-separated
// absolute URLs ("https://photos.example.com"). Their host names are
// answered besides the ones always answered (see Allowed).
func ParseHosts(publicURLs string) (Hosts, error) {
	h := Hosts{names: map[string]bool{}}
	for _, item := range strings.Split(publicURLs, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		u, err := url.Parse(item)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return Hosts{}, fmt.Errorf("edge: public URL %q must look like https://photos.example.com", item)
		}
		h.names[strings.ToLower(u.Hostname())] = true
	}
	return h, nil
}

// Allowed reports whether the server answers requests for host (a Host
// header, port optional). Always answered: IP literals and localhost names,
// which DNS rebinding cannot produce — a rebinding page's requests carry
// the attacker's domain — and which health checks and local use need.
// Other names only when they are a public URL's.
func (h Hosts) Allowed(host string) bool {
	name := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		name = n
	}
	name = strings.ToLower(strings.TrimSuffix(strings.Trim(name, "[]"), "."))
	if name == "" {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	return h.names[name]
}

// Names lists the public host names, for an error message.
func (h Hosts) Names() []string {
	out := make([]string, 0, len(h.names))
	for n := range h.names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
