package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP: the forwarded address is believed only from a trusted
// proxy, and it is the rightmost address that is not a trusted proxy.
func TestClientIP(t *testing.T) {
	s := &Server{Deps: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}}
	for _, c := range []struct {
		peer, xff, fwd, want string
	}{
		{"192.0.2.7:5000", "203.0.113.9", "", "192.0.2.7"},                     // not a proxy: the header is ignored
		{"10.0.0.2:5000", "", "", "10.0.0.2"},                                  // a proxy without the header
		{"10.0.0.2:5000", "203.0.113.9", "", "203.0.113.9"},                    // one proxy
		{"10.0.0.2:5000", "6.6.6.6, 203.0.113.9, 10.0.0.3", "", "203.0.113.9"}, // the client's own entry, then two proxies
		{"[::1]:5000", "2001:db8::5", "", "2001:db8::5"},
		{"10.0.0.2:5000", "", `for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"`, "2001:db8:cafe::17"},
		{"10.0.0.2:5000", "unknown", "", "10.0.0.2"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.fwd != "" {
			r.Header.Set("Forwarded", c.fwd)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q, Forwarded %q: %s, want %s", c.peer, c.xff, c.fwd, got, c.want)
		}
	}
}
