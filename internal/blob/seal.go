package blob

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"

	"filippo.io/age"
)

// Seal encrypts a small secret (an OpenID client secret) to the store's
// key, as base64 text for a database column: the database and its backups
// hold no secret that the key file, kept apart, does not open.
func (s *Store) Seal(plain []byte) (string, error) {
	if s.keys == nil {
		return "", ErrNoKey
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, s.keys.recipient())
	if err != nil {
		return "", fmt.Errorf("blob: seal: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return "", fmt.Errorf("blob: seal: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("blob: seal: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Unseal opens what Seal made, with the current key or, while a key
// rotation runs, the old one (kasuhara key rotate seals again before it
// destroys the old key).
func (s *Store) Unseal(sealed string) ([]byte, error) {
	if s.keys == nil {
		return nil, ErrNoKey
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("blob: unseal: %w", err)
	}
	r, err := age.Decrypt(bytes.NewReader(raw), s.keys.identities()...)
	if err != nil {
		return nil, fmt.Errorf("blob: unseal: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("blob: unseal: %w", err)
	}
	return out, nil
}
