package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"
)

const (
	keysDirName = "keys"
	keyFileName = "evidence.age-key"
	// oldKeyFileName holds the previous key while a rotation re-encrypts
	// the files; nextKeyFileName the new one for the moment it takes to
	// put it in place.
	oldKeyFileName  = "evidence.old.age-key"
	nextKeyFileName = "evidence.next.age-key"
)

// loadOrCreateKey reads the store's age identity from keysDir, creating the
// directory and the key on first start. be is consulted so that a missing
// key is not silently replaced while files encrypted to the old one exist.
func loadOrCreateKey(ctx context.Context, keysDir string, be backend) (*age.X25519Identity, error) {
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	root, err := os.OpenRoot(keysDir)
	if err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	defer root.Close()
	keyPath := filepath.Join(keysDir, keyFileName)

	_, err = root.Lstat(keyFileName)
	if errors.Is(err, fs.ErrNotExist) {
		has, err := hasBlobs(ctx, be)
		if err != nil {
			return nil, err
		}
		if has {
			return nil, fmt.Errorf("key file %s is missing but %s holds evidence files encrypted to it; restore the key from backup (kasuhara restore key)",
				keyPath, be.location())
		}
		created, err := createKey(root, keyFileName)
		if err == nil {
			return created, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create key file %s: %w", keyPath, err)
		}
		// Another process created the key first; use theirs.
	} else if err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyPath, err)
	}
	id, err := readKey(root, keyFileName)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", keyPath, err)
	}
	return id, nil
}

// readKey parses the key file, refusing one that group or others may access.
func readKey(root *os.Root, name string) (*age.X25519Identity, error) {
	info, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (mode %s)", info.Mode())
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("permissions %04o allow access by group or others; run chmod 600 on it", perm)
	}
	data, err := root.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("malformed: %w", err)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("malformed: holds %d identities, want 1", len(ids))
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, fmt.Errorf("malformed: identity is %T, want an age X25519 identity", ids[0])
	}
	return id, nil
}

// createKey writes a new identity to a temporary file and links it into
// place, so that a crash never leaves a partial key and a key created
// meanwhile by another process is never replaced (the link then fails with
// fs.ErrExist).
func createKey(root *os.Root, name string) (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	suffix, err := newID()
	if err != nil {
		return nil, err
	}
	tmp := name + ".tmp-" + suffix
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer root.Remove(tmp)
	content := fmt.Sprintf("# Kasuhara evidence key (age X25519). Back it up with the data directory:\n"+
		"# without it the evidence files cannot be decrypted.\n"+
		"# public key: %s\n%s\n", id.Recipient(), id)
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := root.Link(tmp, name); err != nil {
		return nil, err
	}
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return nil, err
	}
	return id, nil
}

// errStop ends a listing early.
var errStop = errors.New("stop")

// hasBlobs reports whether the backend holds any object.
func hasBlobs(ctx context.Context, be backend) (bool, error) {
	found := false
	err := be.list(ctx, func(string) error { found = true; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return false, fmt.Errorf("list evidence: %w", err)
	}
	return found, nil
}
