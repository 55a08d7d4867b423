package notify

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestWebhookRefusesPrivateDestinations checks that a webhook does not
// reach a loopback receiver unless the operator allows its network, also
// when the URL names the host (the address is checked as it is dialled, so
// a name that resolves to a private address later is refused too).
func TestWebhookRefusesPrivateDestinations(t *testing.T) {
	r, srv := startReceiver(t, noContent)
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/hook?token=SECRETTOKEN"
	for _, target := range []string{srv.URL + "/hook?token=SECRETTOKEN", byName} {
		err := Deliver(context.Background(), NewWebhookClient(2*time.Second), Webhook{URL: target, Secret: "s"}, testEvent, "https://k.example.jp")
		if err == nil {
			t.Fatalf("a webhook to %s was delivered", target)
		}
		if !IsPermanent(err) || strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("error %q: want a permanent error that does not quote the URL", err)
		}
	}
	if n := len(r.requests()); n != 0 {
		t.Fatalf("the loopback receiver got %d requests, want 0", n)
	}
}

// TestWebhookAllowedNetworks checks that the operator's networks are
// reached: a receiver on loopback when 127.0.0.0/8 is allowed.
func TestWebhookAllowedNetworks(t *testing.T) {
	r, srv := startReceiver(t, noContent)
	client := NewWebhookClient(2*time.Second, mustPrefixes(t, "127.0.0.0/8", "::1/128")...)
	if err := Deliver(context.Background(), client, Webhook{URL: srv.URL + "/hook", Secret: "s"}, testEvent, "https://k.example.jp"); err != nil {
		t.Fatal(err)
	}
	if n := len(r.requests()); n != 1 {
		t.Fatalf("receiver got %d requests, want 1", n)
	}
}

func TestDestinationAllowed(t *testing.T) {
	allow := mustPrefixes(t, "10.1.0.0/16")
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"203.0.113.10", true}, // documentation range, stands for a public address
		{"8.8.8.8", true},
		{"2001:db8::1", true},
		{"2606:4700::1111", true},
		{"10.1.2.3", true}, // allowed by the operator
		{"10.2.0.1", false},
		{"127.0.0.1", false},
		{"127.8.8.8", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.2.0.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
	} {
		a, err := netip.ParseAddr(tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := DestinationAllowed(a, allow); got != tt.want {
			t.Errorf("DestinationAllowed(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestCheckWebhookURL(t *testing.T) {
	allow := mustPrefixes(t, "10.1.0.0/16")
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.jp/k", true},
		{"https://203.0.113.10/k", true},
		{"http://10.1.0.5:8080/k", true},
		{"http://127.0.0.1/k", false},
		{"http://[::1]:9000/k", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http://localhost/k", false},
		{"http://LOCALHOST./k", false},
		{"http://app.localhost/k", false},
		{"http://192.168.0.1/k", false},
		{"http://0x7f000001/k", false}, // 127.0.0.1 as some resolvers read it
		{"http://2130706433/k", false},
	} {
		err := CheckWebhookURL(tt.url, allow)
		if (err == nil) != tt.ok {
			t.Errorf("CheckWebhookURL(%s) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

// loopback lets the tests' receivers on 127.0.0.1 be reached.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func mustPrefixes(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, v := range s {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}
