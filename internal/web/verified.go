package web

import (
	"sync"
	"time"
)

// A playback in the browser asks for one byte range after another (each
// seek is a Range request), and a part of a file cannot be checked against
// its recorded SHA-256 alone: the first Range request verifies the whole
// file. verifiedFiles remembers, for verifiedFor, that a file (its blob
// and recorded hash) verified, so that the seeks that follow are served by
// range without reading the whole object again — from a bucket, every
// seek of a one-hour recording would otherwise fetch all of it.
//
// The window: a file swapped or altered in the store within verifiedFor
// after a whole check can be served in parts until the entry expires. A
// download of the whole file is checked as it streams in any case, and
// forgets the entry when it finds a mismatch; so does a failed check.
// The memory is per server process, in memory only.
type verifiedFiles struct {
	now func() time.Time
	mu  sync.Mutex
	at  map[verifiedKey]time.Time // when each file verified
}

type verifiedKey struct{ blobID, sha256 string }

const (
	// verifiedFor is how long a whole check serves the seeks after it.
	verifiedFor = 5 * time.Minute
	// verifiedMax bounds the memory: beyond it the oldest entries go
	// (an entry is about 200 bytes).
	verifiedMax = 4096
)

func newVerifiedFiles(now func() time.Time) *verifiedFiles {
	return &verifiedFiles{now: now, at: map[verifiedKey]time.Time{}}
}

// recent reports whether the file verified less than verifiedFor ago.
func (v *verifiedFiles) recent(blobID, sha256 string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := verifiedKey{blobID, sha256}
	at, ok := v.at[k]
	if !ok {
		return false
	}
	if age := v.now().Sub(at); age < 0 || age >= verifiedFor {
		delete(v.at, k)
		return false
	}
	return true
}

// remember records that the file verified now.
func (v *verifiedFiles) remember(blobID, sha256 string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if len(v.at) >= verifiedMax {
		// Drop the expired entries; if none, the oldest.
		var oldest verifiedKey
		var oldestAt time.Time
		for k, at := range v.at {
			if now.Sub(at) >= verifiedFor || now.Before(at) {
				delete(v.at, k)
				continue
			}
			if oldestAt.IsZero() || at.Before(oldestAt) {
				oldest, oldestAt = k, at
			}
		}
		if len(v.at) >= verifiedMax {
			delete(v.at, oldest)
		}
	}
	v.at[verifiedKey{blobID, sha256}] = now
}

// forget drops the file's entry: a read found it changed.
func (v *verifiedFiles) forget(blobID, sha256 string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.at, verifiedKey{blobID, sha256})
}

// size is the number of entries.
func (v *verifiedFiles) size() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.at)
}
