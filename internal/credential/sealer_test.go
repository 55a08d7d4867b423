package credential

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealerOpensOnlyItsOwnRow(t *testing.T) {
	s := NewRandomSealer()
	const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
	sealed := s.Seal(url, "row-1")
	if strings.Contains(sealed, "XXXXSECRET") || strings.Contains(sealed, "hooks.slack.com") {
		t.Fatalf("sealed value %q shows the secret", sealed)
	}
	got, err := s.Open(sealed, "row-1")
	if err != nil || got != url {
		t.Fatalf("Open = %q, %v; want the URL", got, err)
	}
	if _, err := s.Open(sealed, "row-2"); !errors.Is(err, ErrUnseal) {
		t.Errorf("Open for another row = %v, want ErrUnseal", err)
	}
	if _, err := NewRandomSealer().Open(sealed, "row-1"); !errors.Is(err, ErrUnseal) {
		t.Errorf("Open with another key = %v, want ErrUnseal", err)
	}
	for _, bad := range []string{"", "v1:", "v1:!!", "v2:" + sealed[3:], sealed[:len(sealed)-2]} {
		if _, err := s.Open(bad, "row-1"); !errors.Is(err, ErrUnseal) {
			t.Errorf("Open(%q) = %v, want ErrUnseal", bad, err)
		}
	}
	if s.Seal(url, "row-1") == sealed {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
}

func TestLoadSealerKeepsItsKey(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadSealer(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, SecretsKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	b, err := LoadSealer(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(a.Seal("x", "r"), "r"); err != nil || got != "x" {
		t.Fatalf("the reloaded key does not open what the first sealed: %q, %v", got, err)
	}
	os.Chmod(filepath.Join(dir, SecretsKeyFile), 0o644)
	if _, err := LoadSealer(dir); err == nil {
		t.Error("a key file readable by others was accepted")
	}
}
