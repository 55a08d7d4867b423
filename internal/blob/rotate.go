package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"filippo.io/age"
)

// Key rotation. BeginRotation puts a new key in place and keeps the old one
// as keys/evidence.old.age-key; from then on every process that uses the
// store (it notices the new key file) encrypts new files to the new key and
// reads old files with either. Reencrypt moves one file to the new key;
// once every file is done, FinishRotation destroys the old key. A rotation
// interrupted at any point is resumed by calling BeginRotation again.

// Recipient returns the public key that new files are encrypted to.
func (s *Store) Recipient() string {
	if s.keys == nil {
		return ""
	}
	return s.keys.current().Recipient().String()
}

// Rotating reports whether a key rotation has begun and not finished: the
// old key is still kept.
func (s *Store) Rotating() bool {
	if s.keys == nil {
		return false
	}
	_, err := os.Lstat(s.keys.path(oldKeyFileName))
	return err == nil
}

func (k *keyring) path(name string) string { return k.dir + string(os.PathSeparator) + name }

// BeginRotation starts a key rotation, or continues the one begun: it
// returns the old and the new public keys. The steps are ordered so that a
// crash between any two leaves keys from which the next call carries on
// and with which every file can be read.
func (s *Store) BeginRotation() (oldRecipient, newRecipient string, err error) {
	if s.keys == nil {
		return "", "", ErrNoKey
	}
	oldRecipient, newRecipient, err = s.keys.beginRotation()
	if err != nil {
		return "", "", fmt.Errorf("blob: begin key rotation: %w", err)
	}
	return oldRecipient, newRecipient, nil
}

func (k *keyring) beginRotation() (string, string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	root, err := os.OpenRoot(k.dir)
	if err != nil {
		return "", "", err
	}
	defer root.Close()
	_, oldErr := root.Lstat(oldKeyFileName)
	_, nextErr := root.Lstat(nextKeyFileName)
	switch {
	case oldErr == nil && nextErr == nil:
		// Crashed after keeping the old key, before the new one was in
		// place: the current key is still the old one.
	case oldErr == nil:
		// Begun before; the new key is in place.
	case errors.Is(oldErr, fs.ErrNotExist):
		if nextErr == nil {
			// Crashed before keeping the old key: nothing was encrypted to
			// the new one yet. Start again.
			if err := root.Remove(nextKeyFileName); err != nil {
				return "", "", err
			}
		}
		if _, err := createKey(root, nextKeyFileName); err != nil {
			return "", "", fmt.Errorf("create key: %w", err)
		}
		if err := root.Link(keyFileName, oldKeyFileName); err != nil {
			return "", "", fmt.Errorf("keep the old key: %w", err)
		}
	default:
		return "", "", oldErr
	}
	if _, err := root.Lstat(nextKeyFileName); err == nil {
		if err := root.Rename(nextKeyFileName, keyFileName); err != nil {
			return "", "", fmt.Errorf("put the new key in place: %w", err)
		}
		if err := syncRootDir(root); err != nil {
			return "", "", err
		}
	}
	k.cur = nil // force a reload
	if err := k.load(); err != nil {
		return "", "", err
	}
	if k.old == nil {
		return "", "", errors.New("the old key is missing")
	}
	return k.old.Recipient().String(), k.cur.Recipient().String(), nil
}

func syncRootDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Reencrypt moves blob id to the current key: it reports false, changing
// nothing, when the file is already encrypted to it, and otherwise
// decrypts it with the old key and encrypts it to the new one as it
// streams, checking that the plaintext hashes to wantSHA256 (hex) before
// the new file replaces the old (atomically: a rename on disk, one PUT in a
// bucket). A mismatch fails with [ErrCorrupt] and changes nothing.
func (s *Store) Reencrypt(ctx context.Context, id, wantSHA256 string) (bool, error) {
	changed, err := s.reencrypt(ctx, id, wantSHA256)
	if err != nil {
		return false, fmt.Errorf("blob: re-encrypt %s: %w", safeID(id), err)
	}
	return changed, nil
}

func (s *Store) reencrypt(ctx context.Context, id, want string) (_ bool, err error) {
	if !validID(id) {
		return false, ErrInvalidID
	}
	if s.keys == nil {
		return false, ErrNoKey
	}
	cur := s.keys.current()
	// Only the header is read to learn whether the current key opens it.
	r, err := s.be.stream(ctx, id)
	if err != nil {
		return false, notFound(err)
	}
	_, err = age.Decrypt(r, cur)
	r.Close()
	var noMatch *age.NoIdentityMatchError
	if err == nil {
		return false, nil
	} else if !errors.As(err, &noMatch) {
		return false, decryptErr(err)
	}

	r, err = s.be.stream(ctx, id)
	if err != nil {
		return false, notFound(err)
	}
	defer r.Close()
	dec, err := age.Decrypt(r, s.keys.identities()...)
	if err != nil {
		return false, decryptErr(err)
	}
	w, err := s.be.create(ctx, id)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	enc, err := age.Encrypt(w, cur.Recipient())
	if err != nil {
		return false, err
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(h, enc), ctxReader{ctx: ctx, r: dec}, make([]byte, copyBufSize)); err != nil {
		return false, decryptErr(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return false, fmt.Errorf("%w: sha256 is %s, recorded %s", ErrCorrupt, got, want)
	}
	if err := enc.Close(); err != nil {
		return false, err
	}
	if err := w.commit(); err != nil {
		return false, err
	}
	return true, nil
}

// FinishRotation destroys the old key: the caller has re-encrypted every
// file. Its file is overwritten with zeros before it is removed. Files
// still encrypted to it can never be read again.
func (s *Store) FinishRotation() error {
	if s.keys == nil {
		return ErrNoKey
	}
	if err := s.keys.finishRotation(); err != nil {
		return fmt.Errorf("blob: finish key rotation: %w", err)
	}
	return nil
}

func (k *keyring) finishRotation() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	root, err := os.OpenRoot(k.dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if _, err := root.Lstat(nextKeyFileName); err == nil {
		return errors.New("the rotation has not put its new key in place; run it again")
	}
	f, err := root.OpenFile(oldKeyFileName, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The old key's file is a hard link to nothing else by now (the
	// current key was renamed over the other name), so this overwrites the
	// old key only.
	if err := overwrite(f); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if err := root.Remove(oldKeyFileName); err != nil {
		return err
	}
	if err := syncRootDir(root); err != nil {
		return err
	}
	k.cur = nil
	return k.load()
}
