package totp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B's SHA-1 vectors, cut to six digits (the last six of
// the eight-digit values: the same truncation modulo 10^6).
func TestRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		if got := Code(secret, time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("Code at %d = %s, want %s", tt.unix, got, tt.want)
		}
	}
}

func TestMatchSkewAndReplay(t *testing.T) {
	secret := NewSecret()
	now := time.Date(2026, 12, 6, 12, 0, 10, 0, time.UTC)
	step := StepAt(now)
	for _, d := range []int64{-1, 0, 1} {
		got, ok := Match(secret, CodeAt(secret, step+d), now, 0)
		if !ok || got != step+d {
			t.Errorf("code of step %+d: got %d %v, want %d true", d, got, ok, step+d)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := Match(secret, CodeAt(secret, step+d), now, 0); ok {
			t.Errorf("code of step %+d accepted; only one step either side may be", d)
		}
	}
	// A code already used (its step is the last) is refused, and so is one
	// of an earlier step.
	if _, ok := Match(secret, CodeAt(secret, step), now, step); ok {
		t.Error("the same code accepted twice")
	}
	if _, ok := Match(secret, CodeAt(secret, step-1), now, step); ok {
		t.Error("an older code accepted after a newer one")
	}
	// People type spaces and full-width digits.
	c := CodeAt(secret, step)
	wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, c)
	for _, typed := range []string{c[:3] + " " + c[3:], wide, " " + c + " "} {
		if _, ok := Match(secret, typed, now, 0); !ok {
			t.Errorf("%q not accepted", typed)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := Match(secret, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := Match(NewSecret(), c, now, 0); ok {
		t.Error("another secret's code accepted")
	}
}

func TestURIAndQR(t *testing.T) {
	secret := []byte("12345678901234567890")
	u := URI("Kasuhara acme", "desk@example.jp", secret)
	for _, want := range []string{"otpauth://totp/Kasuhara%20acme:desk@example.jp?", "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "issuer=Kasuhara+acme", "digits=6", "period=30"} {
		if !strings.Contains(u, want) {
			t.Errorf("URI %s lacks %s", u, want)
		}
	}
	got, err := Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")
	if err != nil || string(got) != string(secret) {
		t.Errorf("Decode = %q, %v", got, err)
	}
	svg, err := QRSVG(u, `QR "code"`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, "<svg ") || !strings.Contains(svg, `<path fill="#000" d="M`) || strings.Contains(svg, "style=") || !strings.Contains(svg, `aria-label="QR &#34;code&#34;"`) {
		t.Errorf("svg = %.200s", svg)
	}
}
