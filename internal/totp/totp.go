// Package totp is the second factor of a password sign-in: time-based
// one-time passwords (RFC 6238 over RFC 4226's HOTP) as Google
// Authenticator and Microsoft Authenticator make them (HMAC-SHA-1, six
// digits, a 30-second step), their otpauth:// URI, and that URI drawn as a
// QR code (SVG) for the phone's camera. Pure functions; the store keeps the
// secret (encrypted) and the last step used.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"rsc.io/qr"
)

// Step is the length of one time step; Digits the length of a code.
const (
	Step   = 30 * time.Second
	Digits = 6
	// Skew is how many steps before and after the current one are accepted,
	// for a phone whose clock is a little off.
	Skew = 1
)

// SecretSize is the length of a new secret in bytes (160 bits, RFC 4226's
// recommendation for HMAC-SHA-1).
const SecretSize = 20

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	rand.Read(b)
	return b
}

// Encode writes a secret in base32 without padding, as authenticator apps
// take it typed in.
func Encode(secret []byte) string { return b32.EncodeToString(secret) }

// Decode reads a base32 secret, ignoring spaces and case.
func Decode(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	return b32.DecodeString(strings.TrimRight(s, "="))
}

// StepAt is the number of the time step that t falls in.
func StepAt(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// CodeAt is the code of secret for step (RFC 4226 section 5.3, with the
// step as counter).
func CodeAt(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, v%1_000_000)
}

// Code is the code of secret at t.
func Code(secret []byte, t time.Time) string { return CodeAt(secret, StepAt(t)) }

// Match returns the step whose code code is, among the steps within Skew
// of t that come after last (a step already used is never accepted again:
// a code seen over a shoulder or in a log cannot be replayed), and whether
// there is one. code is compared in constant time.
func Match(secret []byte, code string, t time.Time, last int64) (int64, bool) {
	code = Normalize(code)
	if len(code) != Digits {
		return 0, false
	}
	now := StepAt(t)
	for s := now - Skew; s <= now+Skew; s++ {
		if s <= last {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(CodeAt(secret, s)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// Normalize removes the spaces and hyphens that people type in a code
// (123 456) and folds full-width digits (１２３４５６, as a Japanese input
// method types them) to ASCII.
func Normalize(code string) string {
	var b strings.Builder
	for _, r := range code {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '　' || r == '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsCode reports whether s, normalised, has the shape of a code (six
// digits) rather than of a recovery code.
func IsCode(s string) bool {
	s = Normalize(s)
	if len(s) != Digits {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// URI is the otpauth:// address of a secret (Google Authenticator's Key
// Uri Format): the issuer and the account name are what the app shows.
func URI(issuer, account string, secret []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", Encode(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(Digits))
	q.Set("period", fmt.Sprint(int(Step/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// QRSVG draws text as a QR code in SVG: one path of black modules on a
// white square with the four-module quiet zone the standard asks for,
// labelled label for screen readers. It needs no style attribute or
// script, so the page's Content Security Policy stays as it is.
func QRSVG(text, label string) (string, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("totp: qr: %w", err)
	}
	const quiet = 4
	n := c.Size + 2*quiet
	var p strings.Builder
	for y := range c.Size {
		for x := range c.Size {
			if c.Black(x, y) {
				fmt.Fprintf(&p, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="%s">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`, n, n, html.EscapeString(label), n, n, p.String()), nil
}
