package blob

import (
	"errors"
	"fmt"
	"io"
)

// Reader reads the plaintext of one blob with random access: each read
// decrypts and authenticates only the 64 KiB chunks it touches. It
// implements [io.ReadSeeker], [io.ReaderAt] and [io.Closer], and so suits
// [net/http.ServeContent] with Range requests.
//
// ReadAt may be called concurrently; Read and Seek share a position and a
// one-chunk buffer and must not be. A chunk that fails authentication makes
// the read fail with [ErrCorrupt].
type Reader struct {
	f    io.Closer   // the object
	ra   io.ReaderAt // age's random-access decryptor
	size int64
	pos  int64
	// buf holds the plaintext of the chunk at bufOff, so that Read with
	// small buffers (http.ServeContent uses 32 KiB) decrypts each chunk once.
	buf    []byte
	bufOff int64
}

func newReader(f io.Closer, ra io.ReaderAt, size int64) *Reader {
	return &Reader{f: f, ra: ra, size: size, bufOff: -1}
}

// Read implements [io.Reader].
func (r *Reader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.bufOff < 0 || r.pos < r.bufOff || r.pos >= r.bufOff+int64(len(r.buf)) {
		if err := r.fill(r.pos &^ (chunkSize - 1)); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.pos-r.bufOff:])
	r.pos += int64(n)
	return n, nil
}

// fill decrypts the chunk that starts at off into buf.
func (r *Reader) fill(off int64) error {
	if r.buf == nil {
		r.buf = make([]byte, chunkSize)
	}
	want := int(min(chunkSize, r.size-off))
	r.bufOff = -1
	n, err := r.ra.ReadAt(r.buf[:want], off)
	if n == want && (err == nil || err == io.EOF) {
		r.buf = r.buf[:want]
		r.bufOff = off
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return readErr(err)
}

// ReadAt implements [io.ReaderAt].
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob: read: negative offset")
	}
	if off >= r.size {
		return 0, io.EOF
	}
	if int64(len(p)) > r.size-off {
		n, err := r.ra.ReadAt(p[:r.size-off], off)
		if err == nil {
			err = io.EOF
		}
		return n, readErr(err)
	}
	n, err := r.ra.ReadAt(p, off)
	if err == io.EOF && n == len(p) {
		err = nil
	}
	return n, readErr(err)
}

// Seek implements [io.Seeker].
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("blob: seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: seek: negative position")
	}
	r.pos = offset
	return offset, nil
}

// Size returns the plaintext length in bytes.
func (r *Reader) Size() int64 { return r.size }

// Close closes the underlying file.
func (r *Reader) Close() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("blob: close reader: %w", err)
	}
	return nil
}

// readErr wraps a decryption failure and passes io.EOF through unwrapped, as
// io.Reader callers compare it with ==.
func readErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return fmt.Errorf("blob: read: %w", decryptErr(err))
}
