package blob

import (
	"bytes"
	"testing"
)

func TestSealUnseal(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	secret := []byte("12345678901234567890")
	sealed, err := s.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret holds the secret in clear")
	}
	got, err := s.Unseal(sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Unseal = %q, %v", got, err)
	}
	other, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Unseal(sealed); err == nil {
		t.Fatal("another installation's key opened the secret")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Unseal(sealed); err == nil {
		t.Fatal("a changed secret opened")
	}
}
