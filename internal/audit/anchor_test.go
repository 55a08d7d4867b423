package audit

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAnchorKeyAndSignature(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadAnchorKey(dir, false); err == nil {
		t.Fatal("a missing key was not an error without create")
	}
	key, err := LoadAnchorKey(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, AnchorKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", info, err)
	}
	again, err := LoadAnchorKey(dir, true)
	if err != nil || !again.Equal(key) {
		t.Fatalf("the key was not kept: %v", err)
	}
	a := SignAnchor(key, 42, "abc", time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC))
	pub := key.Public().(ed25519.PublicKey)
	if err := a.Check(pub); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Write(a.Line())
	as, err := ReadAnchors(&buf)
	if err != nil || len(as) != 1 || as[0].Check(pub) != nil {
		t.Fatalf("read back: %+v, %v", as, err)
	}
	edited := a
	edited.Seq = 41
	if edited.Check(pub) == nil {
		t.Fatal("an edited anchor verifies")
	}
	otherKey, err := LoadAnchorKey(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	if a.Check(otherKey.Public().(ed25519.PublicKey)) == nil {
		t.Fatal("an anchor verifies with another data directory's key")
	}
	os.Chmod(filepath.Join(dir, AnchorKeyFile), 0o644)
	if _, err := LoadAnchorKey(dir, true); err == nil {
		t.Fatal("a key readable by others was accepted")
	}
}
