package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// Checked reads a blob's plaintext and checks it against the SHA-256
// recorded when it was stored, as it streams: a read from the start to the
// end is hashed on the way, and the read that would deliver the last bytes
// fails with [ErrCorrupt] instead when the hash differs, so that a reader
// never receives a whole file that is not the one recorded (another file's
// ciphertext copied over it decrypts with the same key). A Seek anywhere
// but to the start stops the check: a caller that serves a part of the file
// verifies the whole of it first ([Store.Verify]).
type Checked struct {
	r       io.ReadSeeker
	size    int64
	want    string
	pos     int64
	h       hash.Hash
	hashing bool
	failed  bool
}

// NewChecked wraps r, the plaintext of size bytes whose SHA-256 should be
// wantSHA256 (hex).
func NewChecked(r io.ReadSeeker, size int64, wantSHA256 string) *Checked {
	return &Checked{r: r, size: size, want: wantSHA256, h: sha256.New(), hashing: true}
}

// Read implements [io.Reader].
func (c *Checked) Read(p []byte) (int, error) {
	if c.failed {
		return 0, ErrCorrupt
	}
	n, err := c.r.Read(p)
	if c.hashing {
		c.h.Write(p[:n])
	}
	c.pos += int64(n)
	if c.hashing && n > 0 && c.pos >= c.size {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			c.failed = true
			return 0, fmt.Errorf("%w: sha256 is %s, recorded %s", ErrCorrupt, got, c.want)
		}
	}
	return n, err
}

// Seek implements [io.Seeker]. Seeking to the start begins the check anew.
func (c *Checked) Seek(offset int64, whence int) (int64, error) {
	pos, err := c.r.Seek(offset, whence)
	if err != nil {
		return pos, err
	}
	c.pos = pos
	c.hashing = pos == 0
	c.h.Reset()
	return pos, nil
}

// Failed reports whether a read found the plaintext different from the
// recorded hash.
func (c *Checked) Failed() bool { return c.failed }
