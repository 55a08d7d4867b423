package notify

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// Webhook destinations. An admin chooses the address a webhook is sent to;
// without a limit that would let them make the server send requests into
// its own network (the cloud's metadata service at 169.254.169.254, a
// database on loopback, an intranet). So a webhook reaches only public
// addresses, and private, loopback and link-local ones only in the
// networks the operator allows (--webhook-allow). The address is checked as
// it is dialled, after the name is resolved, so that a name that resolves
// to a public address when the settings are saved and to a private one
// later (DNS rebinding) is refused too.

// ErrPrivateDestination is the error of a webhook whose address is not
// public and not in the networks the operator allows.
var ErrPrivateDestination = errors.New("notify: webhook: the address is private, loopback or link-local (the operator may allow its network with --webhook-allow)")

// nonPublic are the networks that are not the public internet beyond what
// netip's predicates cover: shared address space (carrier-grade NAT),
// "this network", IETF protocol assignments, benchmarking, reserved and
// broadcast, and NAT64 (which can wrap a private IPv4 address).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// DestinationAllowed reports whether a webhook may connect to a: a public
// address, or any address in one of the allowed networks.
func DestinationAllowed(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// CheckWebhookURL checks the host of a webhook address as far as it can
// be without resolving it: an IP address must be allowed
// (DestinationAllowed), and localhost, names under .localhost and numbers
// that some resolvers read as IPv4 addresses (2130706433, 0x7f000001) are
// refused unless loopback is allowed. Other names are checked when a
// webhook is sent. It returns ErrPrivateDestination, or nil; a malformed
// URL is not its business and gives nil.
func CheckWebhookURL(raw string, allow []netip.Prefix) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !DestinationAllowed(a, allow) {
			return ErrPrivateDestination
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || numericHost(host) {
		if !DestinationAllowed(netip.MustParseAddr("127.0.0.1"), allow) {
			return ErrPrivateDestination
		}
	}
	return nil
}

// numericHost reports whether host has only digits, dots and x (inet_aton's
// decimal, octal and hex forms of an IPv4 address); no real name does.
func numericHost(host string) bool {
	for _, r := range host {
		if !(r >= '0' && r <= '9' || r == '.' || r == 'x' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return host[0] >= '0' && host[0] <= '9'
}

// webhookDialer returns a dialer that refuses to connect to an address
// DestinationAllowed refuses. The check runs on the resolved address of
// each attempt (and on a proxy's address when HTTPS_PROXY is set).
func webhookDialer(timeout time.Duration, allow []netip.Prefix) *net.Dialer {
	return &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !DestinationAllowed(ap.Addr(), allow) {
				return jobs.Permanent(ErrPrivateDestination)
			}
			return nil
		},
	}
}
