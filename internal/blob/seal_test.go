package blob

import (
	"strings"
	"testing"
)

func TestSealOpensOnlyWithItsKey(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sealed, err := a.Seal([]byte("client-secret-42"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "client-secret-42") {
		t.Fatal("sealed text holds the secret")
	}
	got, err := a.Unseal(sealed)
	if err != nil || string(got) != "client-secret-42" {
		t.Fatalf("Unseal = %q, %v", got, err)
	}
	if _, err := b.Unseal(sealed); err == nil {
		t.Fatal("another key opened the secret")
	}
	if _, err := a.Unseal("not base64!"); err == nil {
		t.Fatal("garbage opened")
	}
}
