package credential

import (
	"regexp"
	"strings"
	"testing"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("got hash %q, want PHC argon2id format", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		got, err := CheckPassword(h, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if _, err := CheckPassword(h, "x"); err != ErrMalformedHash {
			t.Errorf("CheckPassword(%q) err = %v, want ErrMalformedHash", h, err)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	re := regexp.MustCompile(`^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$`)
	seen := map[string]bool{}
	for range 100 {
		p := GeneratePassword()
		if !re.MatchString(p) {
			t.Fatalf("got %q, want 4 groups of 5 unambiguous characters", p)
		}
		if seen[p] {
			t.Fatalf("duplicate password %q", p)
		}
		seen[p] = true
	}
}

func TestToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if !strings.HasPrefix(a, TokenPrefix) || len(a) != len(TokenPrefix)+43 || a == b {
		t.Fatalf("got tokens %q %q", a, b)
	}
	if Digest(a) == Digest(b) || len(Digest(a)) != 64 || strings.Contains(Digest(a), a[4:]) {
		t.Fatal("digest not distinct or leaks the token")
	}
}

func TestReceipt(t *testing.T) {
	lookup, secret, display := NewReceipt()
	if len(lookup) != 8 || len(secret) != 16 || !regexp.MustCompile(`^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){5}$`).MatchString(display) {
		t.Fatalf("receipt %q %q %q", lookup, secret, display)
	}
	for _, typed := range []string{display, strings.ToLower(display), strings.ReplaceAll(display, "-", " "), strings.ReplaceAll(display, "-", ""),
		toFullWidth(display)} {
		l, s, ok := ParseReceipt(typed)
		if !ok || l != lookup || s != secret {
			t.Errorf("ParseReceipt(%q) = %q %q %v", typed, l, s, ok)
		}
	}
	for _, bad := range []string{"", "ABCD", display + "A", strings.Replace(display, display[:1], "0", 1), "<script>"} {
		if _, _, ok := ParseReceipt(bad); ok {
			t.Errorf("ParseReceipt(%q) accepted", bad)
		}
	}
	_, _, other := NewReceipt()
	if other == display {
		t.Fatal("two receipts are equal")
	}
}

// TestCheckReceipt: a digest matches only its own lookup and secret; an
// argon2id hash of an earlier release matches and asks to be kept again.
func TestCheckReceipt(t *testing.T) {
	lookup, secret, _ := NewReceipt()
	h := ReceiptDigest(lookup, secret)
	if ok, rehash := CheckReceipt(h, lookup, secret); !ok || rehash {
		t.Fatalf("digest: ok %v rehash %v", ok, rehash)
	}
	otherLookup, otherSecret, _ := NewReceipt()
	for _, c := range [][2]string{{otherLookup, secret}, {lookup, otherSecret}, {lookup, ""}} {
		if ok, _ := CheckReceipt(h, c[0], c[1]); ok {
			t.Errorf("the digest matches %q %q", c[0], c[1])
		}
	}
	old, err := HashPassword(secret, Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash := CheckReceipt(old, lookup, secret); !ok || !rehash {
		t.Errorf("argon2id: ok %v rehash %v", ok, rehash)
	}
	if ok, rehash := CheckReceipt(old, lookup, otherSecret); ok || rehash {
		t.Errorf("argon2id, wrong secret: ok %v rehash %v", ok, rehash)
	}
}

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}
