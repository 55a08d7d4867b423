package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// The methods in this file handle blobs as they are stored — ciphertext —
// for backups, restores and moves between a disk and a bucket. They never
// see the plaintext and need no key.

// List calls fn with the id of every stored blob, in no particular order,
// stopping at the first error fn returns (which List returns).
func (s *Store) List(ctx context.Context, fn func(id string) error) error {
	if err := s.be.list(ctx, fn); err != nil {
		return fmt.Errorf("blob: list %s: %w", s.be.location(), err)
	}
	return nil
}

// ReadStored returns a sequential reader of blob id's ciphertext, as stored.
// An unknown id fails with [ErrNotFound].
func (s *Store) ReadStored(ctx context.Context, id string) (io.ReadCloser, error) {
	if !validID(id) {
		return nil, fmt.Errorf("blob: read stored %s: %w", safeID(id), ErrInvalidID)
	}
	r, err := s.be.stream(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("blob: read stored %s: %w", id, notFound(err))
	}
	return r, nil
}

// WriteStored stores r, the ciphertext of blob id as [Store.ReadStored]
// returned it, replacing any blob of that id, and returns the SHA-256 (hex)
// of the bytes written. When wantSHA256 is not empty and the bytes hash to
// something else, nothing is stored and the error matches [ErrCorrupt].
func (s *Store) WriteStored(ctx context.Context, id string, r io.Reader, wantSHA256 string) (string, error) {
	sum, err := s.writeStored(ctx, id, r, wantSHA256)
	if err != nil {
		return "", fmt.Errorf("blob: write stored %s: %w", safeID(id), err)
	}
	return sum, nil
}

func (s *Store) writeStored(ctx context.Context, id string, r io.Reader, want string) (_ string, err error) {
	if !validID(id) {
		return "", ErrInvalidID
	}
	w, err := s.be.create(ctx, id)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(w, h), ctxReader{ctx: ctx, r: r}, make([]byte, copyBufSize)); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", fmt.Errorf("%w: sha256 of the stored bytes is %s, want %s", ErrCorrupt, sum, want)
	}
	if err := w.commit(); err != nil {
		return "", err
	}
	return sum, nil
}

// StoredSHA256 returns the SHA-256 (hex) of blob id's ciphertext as stored.
func (s *Store) StoredSHA256(ctx context.Context, id string) (string, error) {
	r, err := s.ReadStored(ctx, id)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, r, make([]byte, copyBufSize)); err != nil {
		return "", fmt.Errorf("blob: read stored %s: %w", id, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Exists reports whether blob id is stored.
func (s *Store) Exists(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, ErrInvalidID
	}
	o, err := s.be.open(ctx, id)
	if errors.Is(notFound(err), ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: stat %s: %w", id, err)
	}
	o.Close()
	return true, nil
}

// ErrNoKey means a store opened by [OpenStorage] was asked for something
// that needs the evidence key.
var ErrNoKey = errors.New("opened without the evidence key")

// OpenStorage opens only the storage of a store (the directory or the
// bucket that o names), without its key: it neither reads nor creates
// dataDir/keys. Such a store lists, reads and writes stored ciphertext
// (for backups and restores); Put, Open, Verify and Reencrypt fail with
// [ErrNoKey].
func OpenStorage(ctx context.Context, dataDir string, o Options) (*Store, error) {
	if dataDir == "" && o.Location == "" {
		return nil, errors.New("blob: open: empty data directory")
	}
	be, err := openBackend(ctx, dataDir, o)
	if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return &Store{be: be}, nil
}

// OpenStored is ReadStored that also returns the stored size in bytes.
func (s *Store) OpenStored(ctx context.Context, id string) (io.ReadCloser, int64, error) {
	if !validID(id) {
		return nil, 0, fmt.Errorf("blob: read stored %s: %w", safeID(id), ErrInvalidID)
	}
	o, err := s.be.open(ctx, id)
	if err != nil {
		return nil, 0, fmt.Errorf("blob: read stored %s: %w", id, notFound(err))
	}
	n := o.size()
	o.Close()
	r, err := s.be.stream(ctx, id)
	if err != nil {
		return nil, 0, fmt.Errorf("blob: read stored %s: %w", id, notFound(err))
	}
	// The size comes from a moment before the stream: a blob replaced in
	// between (a re-encryption) is read only up to it, and a tar writer
	// of that size then fails loudly rather than writing a mixed file.
	return r, n, nil
}
