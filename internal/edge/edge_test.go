package edge

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	trust, err := ParseTrust("10.0.0.0/8, 192.0.2.10, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trust   Trust
		remote  string
		xff     []string
		proto   string
		fwdHost string
		tls     bool
		want    string
		https   bool
		host    string
	}{
		{name: "direct ipv4", trust: trust, remote: "198.51.100.1:5000", want: "198.51.100.1", host: "example.test"},
		{name: "direct ipv6", trust: trust, remote: "[2001:db8::1]:5000", want: "2001:db8::1", host: "example.test"},
		{name: "direct tls", trust: trust, remote: "198.51.100.1:5000", tls: true, want: "198.51.100.1", https: true, host: "example.test"},
		{name: "untrusted peer's headers ignored", trust: trust, remote: "198.51.100.1:5000", xff: []string{"1.1.1.1"}, proto: "https",
			fwdHost: "evil.test", want: "198.51.100.1", host: "example.test"},
		{name: "no proxies trusted", remote: "10.0.0.1:5000", xff: []string{"203.0.113.9"}, proto: "https", want: "10.0.0.1", host: "example.test"},
		{name: "trusted proxy", trust: trust, remote: "10.0.0.1:5000", xff: []string{"203.0.113.9"}, proto: "https", fwdHost: "photos.example.com",
			want: "203.0.113.9", https: true, host: "photos.example.com"},
		{name: "client-spoofed first entry", trust: trust, remote: "10.0.0.1:5000", xff: []string{"1.1.1.1, 203.0.113.9"}, want: "203.0.113.9", host: "example.test"},
		{name: "two trusted hops", trust: trust, remote: "10.0.0.1:5000", xff: []string{"1.1.1.1, 203.0.113.9, 192.0.2.10"}, want: "203.0.113.9", host: "example.test"},
		{name: "two headers", trust: trust, remote: "10.0.0.1:5000", xff: []string{"1.1.1.1", "203.0.113.9"}, want: "203.0.113.9", host: "example.test"},
		{name: "garbage hop stops the walk", trust: trust, remote: "10.0.0.1:5000", xff: []string{"203.0.113.9, nonsense"}, want: "10.0.0.1", host: "example.test"},
		{name: "proxy says http", trust: trust, remote: "[::1]:5000", proto: "http", tls: true, want: "::1", host: "example.test"},
		{name: "all hops trusted", trust: trust, remote: "10.0.0.1:5000", xff: []string{"10.0.0.7"}, want: "10.0.0.7", host: "example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if tt.fwdHost != "" {
				r.Header.Set("X-Forwarded-Host", tt.fwdHost)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got := tt.trust.Resolve(r)
			if got.ClientIP.String() != tt.want || got.HTTPS != tt.https || got.Host != tt.host {
				t.Errorf("Resolve = %+v, want client %s https %v host %s", got, tt.want, tt.https, tt.host)
			}
			// From without the middleware trusts nobody.
			if direct := From(r); direct != (Trust{}).Resolve(r) || direct.ClientIP.String() != peerAddr(r).String() {
				t.Errorf("From without middleware = %+v", direct)
			}
			r = r.WithContext(WithInfo(r.Context(), got))
			if From(r) != got || ClientKey(r) != tt.want {
				t.Errorf("From/ClientKey after WithInfo = %+v %q", From(r), ClientKey(r))
			}
		})
	}
	if _, err := ParseTrust("10.0.0.0/8, not-an-address"); err == nil {
		t.Error("ParseTrust accepted garbage")
	}
}

func TestHosts(t *testing.T) {
	t.Parallel()
	h, err := ParseHosts("https://Photos.Example.com, http://nas.lan:8080")
	if err != nil {
		t.Fatal(err)
	}
	none, _ := ParseHosts("")
	tests := []struct {
		hosts Hosts
		host  string
		want  bool
	}{
		{h, "photos.example.com", true},
		{h, "PHOTOS.example.com:443", true},
		{h, "photos.example.com.", true},
		{h, "nas.lan:9999", true},
		{h, "attacker.test:8080", false},
		{h, "example.com", false},
		{h, "", false},
		{none, "127.0.0.1:8080", true},
		{none, "[::1]:8080", true},
		{none, "192.168.1.20:8080", true},
		{none, "localhost:8080", true},
		{none, "app.localhost", true},
		{none, "attacker.test:8080", false},
		{none, "localhost.attacker.test", false},
		{none, "photos.example.com", false},
	}
	for _, tt := range tests {
		if got := tt.hosts.Allowed(tt.host); got != tt.want {
			t.Errorf("Allowed(%q) with %v = %v, want %v", tt.host, tt.hosts.Names(), got, tt.want)
		}
	}
	for _, bad := range []string{"photos.example.com", "ftp://x.test", "https://"} {
		if _, err := ParseHosts(bad); err == nil {
			t.Errorf("ParseHosts(%q) accepted", bad)
		}
	}
}
