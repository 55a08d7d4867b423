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
