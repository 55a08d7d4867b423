// Package blob stores evidence files (recordings, photos, screenshots, PDF
// and text) encrypted at rest, on local disk (the default) or in an
// S3-compatible bucket.
//
// Every file is encrypted with age (X25519) to the store's own key, which
// lives beside the data in dataDir/keys/evidence.age-key, before it leaves
// the process: the disk or the bucket only ever holds ciphertext. Ids are
// random and generated here; on disk every path is resolved through an
// [os.Root], so no id can reach outside the evidence directory. The type of
// a file is decided by its content, never by its name, and only an
// allowlist of media types is accepted (see [Put]).
//
// Layout under dataDir:
//
//	keys/evidence.age-key      the age identity (0600, directory 0700)
//	keys/evidence.old.age-key  the previous identity, while a key rotation runs
//	evidence/tmp/              uploads in progress (removed after a crash)
//	evidence/ab/ab12…ef        one age file per blob, sharded by the id's first two hex digits
//
// In a bucket (s3://bucket/prefix) the object of a blob is prefix/ab/ab12…ef.
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

// Store keeps evidence files encrypted, on local disk or in an
// S3-compatible bucket. It is safe for concurrent use.
type Store struct {
	be   backend
	keys *keyring
}

// Options says where a store keeps its files.
type Options struct {
	// Location is "" for dataDir/evidence, another directory, or
	// s3://bucket/prefix for an S3-compatible bucket (configured by S3).
	Location string
	S3       S3
}

// Open opens the store in dataDir, creating dataDir/evidence (0700) and, on
// first start, the key dataDir/keys/evidence.age-key (0600 in a 0700
// directory). It refuses to start when the key file exists but cannot be
// read, is not a single age X25519 identity, or is accessible to group or
// others, and when the key is missing while evidence files exist (a lost key
// must be restored from backup, not replaced). Open removes abandoned
// uploads older than a day.
func Open(dataDir string) (*Store, error) {
	return OpenWith(context.Background(), dataDir, Options{})
}

// OpenWith opens the store whose key lives in dataDir/keys and whose files
// live where o says. A bucket must exist and answer; Open's checks of the
// key apply.
func OpenWith(ctx context.Context, dataDir string, o Options) (*Store, error) {
	if dataDir == "" {
		return nil, errors.New("blob: open: empty data directory")
	}
	be, err := openBackend(ctx, dataDir, o)
	if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	s := &Store{be: be}
	if s.keys, err = openKeyring(ctx, filepath.Join(dataDir, keysDirName), be); err != nil {
		be.close()
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return s, nil
}

func openBackend(ctx context.Context, dataDir string, o Options) (backend, error) {
	if _, _, isS3, err := ParseLocation(o.Location); err != nil {
		return nil, err
	} else if isS3 {
		return openS3(ctx, o.Location, o.S3)
	}
	dir := o.Location
	if dir == "" {
		dir = filepath.Join(dataDir, evidenceDirName)
	}
	return openLocal(dir)
}

// Location says where the files are: a directory or s3://bucket/prefix.
func (s *Store) Location() string { return s.be.location() }

// Ping reports whether the storage answers: the directory is there, or the
// bucket exists and the credentials are accepted. /readyz calls it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.be.ping(ctx); err != nil {
		return fmt.Errorf("blob: ping %s: %w", s.be.location(), err)
	}
	return nil
}

// Close releases the store's directory handle. Readers already open stay
// usable until they are closed.
func (s *Store) Close() error {
	if err := s.be.close(); err != nil {
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
	if s.keys == nil {
		return Blob{}, ErrNoKey
	}
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
	w, err := s.be.create(ctx, id)
	if err != nil {
		return Blob{}, err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()

	enc, err := age.Encrypt(w, s.keys.recipient())
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
	// Last chance to give up: after the commit the blob exists.
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	if err := w.commit(); err != nil {
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
	if !validID(id) {
		return nil, ErrInvalidID
	}
	if s.keys == nil {
		return nil, ErrNoKey
	}
	o, err := s.be.open(context.Background(), id)
	if err != nil {
		return nil, notFound(err)
	}
	ra, size, err := age.DecryptReaderAt(o, o.size(), s.keys.identities()...)
	if err != nil {
		o.Close()
		return nil, decryptErr(err)
	}
	return newReader(o, ra, size), nil
}

// Delete destroys blob id. An unknown id fails with [ErrNotFound].
//
// On local disk it overwrites the stored (encrypted) bytes with zeros,
// fsyncs, removes the file and fsyncs the directory; on copy-on-write file
// systems (btrfs, ZFS) and SSDs the old blocks may survive the overwrite,
// holding only ciphertext, the age header that carries the file key
// overwritten first. In a bucket it deletes the object: the bucket must
// keep no old versions (docs/operations.md).
func (s *Store) Delete(id string) error {
	if err := s.delete(id); err != nil {
		return fmt.Errorf("blob: delete %s: %w", safeID(id), err)
	}
	return nil
}

func (s *Store) delete(id string) error {
	if !validID(id) {
		return ErrInvalidID
	}
	return notFound(s.be.remove(context.Background(), id))
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
	if !validID(id) {
		return ErrInvalidID
	}
	if s.keys == nil {
		return ErrNoKey
	}
	f, err := s.be.stream(context.Background(), id)
	if err != nil {
		return notFound(err)
	}
	defer f.Close()
	// A sequential decrypt reuses one chunk buffer, unlike the random-access
	// reader that Open returns.
	dec, err := age.Decrypt(f, s.keys.identities()...)
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
