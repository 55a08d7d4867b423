package blob

import (
	"bytes"
	"fmt"
	"io"

	"filippo.io/age"
)

// Seal encrypts a small secret (such as a person's TOTP key) to the
// store's key for a column of the database: a copy of the database without
// the data directory's keys/ does not reveal it.
func (s *Store) Seal(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, s.recipient)
	if err != nil {
		return nil, fmt.Errorf("blob: seal: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("blob: seal: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("blob: seal: %w", err)
	}
	return buf.Bytes(), nil
}

// Unseal decrypts what Seal encrypted.
func (s *Store) Unseal(sealed []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), s.identity)
	if err != nil {
		return nil, fmt.Errorf("blob: unseal: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("blob: unseal: %w", err)
	}
	return b, nil
}
