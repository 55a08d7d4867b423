// Package blob stores evidence files (recordings, photos, screenshots, PDF
// and text) encrypted at rest on local disk.
//
// Every file is encrypted with age (X25519) to the store's own key, which
// lives beside the data in dataDir/keys/evidence.age-key; the ciphertext lives
// in dataDir/evidence/. Ids are random and generated here, and every path is
// resolved through an [os.Root], so no id can reach outside the evidence
// directory. The type of a file is decided by its content, never by its name,
// and only an allowlist of media types is accepted (see [Put]).
//
// Layout under dataDir:
//
//	keys/evidence.age-key   the age identity (0600, directory 0700)
//	evidence/tmp/           uploads in progress (removed after a crash)
//	evidence/ab/ab12…ef     one age file per blob, sharded by the id's first two hex digits
//
// The package logs nothing.
package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// notFoundError is ErrNotFound: "blob not found", and fs.ErrNotExist.
type notFoundError struct{}

func (notFoundError) Error() string        { return "blob not found" }
func (notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// Sentinel errors. Callers test them with [errors.Is]; the returned errors
// wrap them with the operation ("blob: put: …").
var (
	// ErrNotFound means no blob has the given id. It is also
	// [fs.ErrNotExist], so that callers who only hand ids over (the store's
	// purge) need not import this package.
	ErrNotFound error = notFoundError{}
	// ErrInvalidID means the id is not one this package generates
	// (32 lower-case hex digits); it never reaches the file system.
	ErrInvalidID = errors.New("invalid blob id")
	// ErrTooLarge means the input was longer than the caller's limit.
	ErrTooLarge = errors.New("file too large")
	// ErrEmpty means the input had no bytes.
	ErrEmpty = errors.New("empty file")
	// ErrUnsupportedType means the content is not of an accepted media type.
	// The error returned by Put is an [*UnsupportedTypeError] that names the
	// detected type.
	ErrUnsupportedType = errors.New("unsupported file type")
	// ErrCorrupt means the stored file failed authentication or does not
	// hash to the expected value.
	ErrCorrupt = errors.New("blob corrupt")
)

// UnsupportedTypeError is returned (wrapped) by Put when the content is not
// of an accepted type. It matches [ErrUnsupportedType] with [errors.Is].
type UnsupportedTypeError struct {
	// Detected is the media type found by content sniffing, for example
	// "application/x-executable" or "text/html; charset=utf-8".
	Detected string
}

// Error implements error.
func (e *UnsupportedTypeError) Error() string {
	return ErrUnsupportedType.Error() + ": " + e.Detected
}

// Is reports whether target is ErrUnsupportedType.
func (e *UnsupportedTypeError) Is(target error) bool { return target == ErrUnsupportedType }

// Blob describes a stored file.
type Blob struct {
	// ID names the blob: 32 lower-case hex digits (128 random bits).
	ID string
	// Size is the plaintext length in bytes.
	Size int64
	// SHA256 is the lower-case hex SHA-256 of the plaintext.
	SHA256 string
	// MediaType is the type detected from the content, one of the accepted
	// types, for example "audio/wav" or "text/plain; charset=utf-8". It is
	// suitable as a Content-Type header.
	MediaType string
}

const (
	evidenceDirName = "evidence"
	tmpDirName      = "tmp"
	idLen           = 32
	// chunkSize is age's plaintext chunk size: the unit of encryption,
	// authentication and random access.
	chunkSize = 64 << 10
	// copyBufSize matches it so that each write encrypts one chunk.
	copyBufSize = chunkSize
	// staleTemp is how old an abandoned upload in evidence/tmp must be
	// before Open removes it; younger ones may belong to another process
	// still writing.
	staleTemp = 24 * time.Hour
)

// Store keeps evidence files encrypted on local disk. It is safe for
// concurrent use.
type Store struct {
	root      *os.Root // dataDir/evidence
	identity  *age.X25519Identity
	recipient *age.X25519Recipient
}

// Open opens the store in dataDir, creating dataDir/evidence (0700) and, on
// first start, the key dataDir/keys/evidence.age-key (0600 in a 0700
// directory). It refuses to start when the key file exists but cannot be
// read, is not a single age X25519 identity, or is accessible to group or
// others, and when the key is missing while evidence files exist (a lost key
// must be restored from backup, not replaced). Open removes abandoned
// uploads older than a day.
func Open(dataDir string) (*Store, error) {
	if dataDir == "" {
		return nil, errors.New("blob: open: empty data directory")
	}
	evDir := filepath.Join(dataDir, evidenceDirName)
	if err := os.MkdirAll(evDir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	root, err := os.OpenRoot(evDir)
	if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	s := &Store{root: root}
	if err := s.init(filepath.Join(dataDir, keysDirName)); err != nil {
		root.Close()
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return s, nil
}

func (s *Store) init(keysDir string) error {
	if err := s.root.Mkdir(tmpDirName, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	id, err := loadOrCreateKey(keysDir, s.root)
	if err != nil {
		return err
	}
	s.identity = id
	s.recipient = id.Recipient()
	return s.removeStaleTemps(time.Now())
}

// removeStaleTemps deletes uploads that a crashed process left behind.
func (s *Store) removeStaleTemps(now time.Time) error {
	entries, err := fs.ReadDir(s.root.FS(), tmpDirName)
	if err != nil {
		return fmt.Errorf("list %s: %w", tmpDirName, err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if now.Sub(info.ModTime()) < staleTemp {
			continue
		}
		if err := s.root.Remove(tmpDirName + "/" + e.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale upload: %w", err)
		}
	}
	return nil
}

// Close releases the store's directory handle. Readers already open stay
// usable until they are closed.
func (s *Store) Close() error {
	if err := s.root.Close(); err != nil {
		return fmt.Errorf("blob: close: %w", err)
	}
	return nil
}

// Put reads r to the end and stores it encrypted, returning its id, size,
// SHA-256 and detected media type.
//
// The type is decided from the first bytes of the content (never a file name)
// and must be on the allowlist: JPEG, PNG, GIF, WebP, HEIC/HEIF and BMP
// images; MP3, MP4/M4A, AAC, WAV, Ogg (Opus, Vorbis, FLAC, Speex), AMR, FLAC,
// 3GPP/3GPP2 audio; MP4, QuickTime, WebM and Matroska video; PDF; and plain
// text in UTF-8 or Shift_JIS. Anything else, including executables, scripts,
// HTML, SVG, XML and archives or office documents, fails with an error
// matching [ErrUnsupportedType] before anything is written to disk.
//
// Put streams: memory use does not depend on the size of the input. More
// than maxBytes bytes fail with [ErrTooLarge], no bytes with [ErrEmpty]; a
// cancelled ctx is noticed between reads. On any error no file is left
// behind. The file is fsynced and renamed into place before Put returns.
func (s *Store) Put(ctx context.Context, r io.Reader, maxBytes int64) (Blob, error) {
	b, err := s.put(ctx, r, maxBytes)
	if err != nil {
		return Blob{}, fmt.Errorf("blob: put: %w", err)
	}
	return b, nil
}

func (s *Store) put(ctx context.Context, r io.Reader, maxBytes int64) (_ Blob, err error) {
	if maxBytes <= 0 {
		return Blob{}, fmt.Errorf("maxBytes must be positive, got %d", maxBytes)
	}
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	// Read one byte past the limit to tell "exactly maxBytes" from "more".
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++
	}
	src := io.LimitReader(ctxReader{ctx: ctx, r: r}, limit)

	head := make([]byte, sniffLen)
	n, err := io.ReadFull(src, head)
	switch {
	case errors.Is(err, io.EOF):
		return Blob{}, ErrEmpty
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The whole input fits in head.
	case err != nil:
		return Blob{}, fmt.Errorf("read: %w", err)
	}
	head = head[:n]
	if int64(n) > maxBytes {
		return Blob{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	kind, err := classify(head)
	if err != nil {
		return Blob{}, err
	}
	text := kind.text

	id, err := newID()
	if err != nil {
		return Blob{}, err
	}
	tmpName := tmpDirName + "/" + id
	f, err := s.root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Blob{}, fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			s.root.Remove(tmpName)
		}
	}()

	enc, err := age.Encrypt(f, s.recipient)
	if err != nil {
		return Blob{}, fmt.Errorf("encrypt: %w", err)
	}
	h := sha256.New()
	plain := io.MultiWriter(h, enc)
	if _, err := plain.Write(head); err != nil {
		return Blob{}, fmt.Errorf("write: %w", err)
	}
	size := int64(n)
	if int64(n) == sniffLen {
		rest := plain
		if text != nil {
			// The text check comes first so that non-text aborts the copy
			// before it is written.
			rest = io.MultiWriter(text, h, enc)
		}
		copied, err := io.CopyBuffer(rest, src, make([]byte, copyBufSize))
		size += copied
		if err != nil {
			return Blob{}, err
		}
		if size > maxBytes {
			return Blob{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
		}
	}
	mediaType := kind.mediaType
	if text != nil {
		charset, err := text.finish()
		if err != nil {
			return Blob{}, err
		}
		mediaType = "text/plain; charset=" + charset
	}
	if err := enc.Close(); err != nil {
		return Blob{}, fmt.Errorf("encrypt: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Blob{}, fmt.Errorf("close: %w", err)
	}
	// Last chance to give up: after the rename the blob exists.
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	shard := id[:2]
	if err := s.root.Mkdir(shard, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return Blob{}, fmt.Errorf("create shard directory: %w", err)
	}
	if err := s.root.Rename(tmpName, shard+"/"+id); err != nil {
		return Blob{}, fmt.Errorf("rename into place: %w", err)
	}
	if err := s.syncDir(shard); err != nil {
		// The blob is in place; only its durability across a power cut is
		// uncertain, so remove it rather than report a blob that may vanish.
		s.root.Remove(shard + "/" + id)
		return Blob{}, err
	}
	return Blob{ID: id, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), MediaType: mediaType}, nil
}

// Open returns a reader of the plaintext of blob id. The reader decrypts
// only the 64 KiB chunks that are read, so seeking to the middle of a
// recording is cheap; it suits [net/http.ServeContent]. The caller must
// close it. An unknown id fails with [ErrNotFound]; a file whose last chunk
// fails authentication fails with [ErrCorrupt].
func (s *Store) Open(id string) (*Reader, error) {
	r, err := s.open(id)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", safeID(id), err)
	}
	return r, nil
}

func (s *Store) open(id string) (*Reader, error) {
	name, err := blobPath(id)
	if err != nil {
		return nil, err
	}
	f, err := s.root.Open(name)
	if err != nil {
		return nil, notFound(err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	ra, size, err := age.DecryptReaderAt(f, info.Size(), s.identity)
	if err != nil {
		f.Close()
		return nil, decryptErr(err)
	}
	return newReader(f, ra, size), nil
}

// Delete destroys blob id: it overwrites the stored (encrypted) bytes with
// zeros, fsyncs, removes the file and fsyncs the directory. An unknown id
// fails with [ErrNotFound].
//
// On copy-on-write file systems (btrfs, ZFS) and SSDs the old blocks may
// survive the overwrite; they hold only ciphertext, and the age header that
// carries the file key is overwritten first.
func (s *Store) Delete(id string) error {
	if err := s.delete(id); err != nil {
		return fmt.Errorf("blob: delete %s: %w", safeID(id), err)
	}
	return nil
}

func (s *Store) delete(id string) error {
	name, err := blobPath(id)
	if err != nil {
		return err
	}
	f, err := s.root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return notFound(err)
	}
	if err := overwrite(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := s.root.Remove(name); err != nil {
		return notFound(err)
	}
	return s.syncDir(id[:2])
}

// overwrite replaces every byte of f with zeros and fsyncs it.
func overwrite(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, copyBufSize)
	for off := int64(0); off < info.Size(); {
		n := int(min(int64(len(zeros)), info.Size()-off))
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return fmt.Errorf("overwrite: %w", err)
		}
		off += int64(n)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// Verify decrypts blob id from start to end and checks that its plaintext
// hashes to wantSHA256 (hex). A mismatch or a failed authentication fails
// with [ErrCorrupt]; an unknown id with [ErrNotFound].
func (s *Store) Verify(id, wantSHA256 string) error {
	if err := s.verify(id, wantSHA256); err != nil {
		return fmt.Errorf("blob: verify %s: %w", safeID(id), err)
	}
	return nil
}

func (s *Store) verify(id, wantSHA256 string) error {
	want, err := hex.DecodeString(wantSHA256)
	if err != nil || len(want) != sha256.Size {
		return errors.New("want must be 64 hex digits")
	}
	name, err := blobPath(id)
	if err != nil {
		return err
	}
	f, err := s.root.Open(name)
	if err != nil {
		return notFound(err)
	}
	defer f.Close()
	// A sequential decrypt reuses one chunk buffer, unlike the random-access
	// reader that Open returns.
	dec, err := age.Decrypt(f, s.identity)
	if err != nil {
		return decryptErr(err)
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, dec, make([]byte, copyBufSize)); err != nil {
		return decryptErr(err)
	}
	if got := h.Sum(nil); string(got) != string(want) {
		return fmt.Errorf("%w: sha256 is %x", ErrCorrupt, got)
	}
	return nil
}

// syncDir fsyncs a directory of the store so that a rename or removal in it
// survives a power cut.
func (s *Store) syncDir(name string) error {
	d, err := s.root.Open(name)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// newID returns 128 random bits as 32 lower-case hex digits.
func newID() (string, error) {
	var b [idLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// validID reports whether id has the form newID produces.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// blobPath returns the path of blob id inside the evidence root.
func blobPath(id string) (string, error) {
	if !validID(id) {
		return "", ErrInvalidID
	}
	return id[:2] + "/" + id, nil
}

// safeID returns id for an error message, or a placeholder when id is not
// well formed, so that caller-supplied junk never reaches a log line.
func safeID(id string) string {
	if validID(id) {
		return id
	}
	return fmt.Sprintf("(invalid id of %d bytes)", len(id))
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// decryptErr marks authentication and format failures as ErrCorrupt. A key
// that matches no recipient is reported as it is: the file may be intact and
// the wrong key in place.
func decryptErr(err error) error {
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) || errors.Is(err, ErrCorrupt) {
		return err
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return err // an I/O error, not a bad file
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
