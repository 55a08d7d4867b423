package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/testdb"
)

// backendCase opens stores on one backend: local disk, or a fresh bucket on
// the S3-compatible test server (versitygw in CI).
type backendCase struct {
	name string
	// open opens a store with its keys in dataDir; the same options reach
	// the same files.
	opts func(t *testing.T) Options
}

func backends() []backendCase {
	return []backendCase{
		{"local", func(t *testing.T) Options { return Options{} }},
		{"s3", func(t *testing.T) Options {
			b := testdb.NewS3Bucket(t)
			return Options{Location: b.Location("evidence"), S3: S3{
				Endpoint: b.Endpoint, Region: b.Region, AccessKey: b.AccessKey, SecretKey: b.SecretKey, PathStyle: true,
			}}
		}},
	}
}

// eachBackend runs fn on each backend with a fresh store.
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store, dataDir string, o Options)) {
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			o := bc.opts(t)
			dir := t.TempDir()
			s, err := OpenWith(context.Background(), dir, o)
			if err != nil {
				t.Fatalf("OpenWith: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s, dir, o)
		})
	}
}

func listIDs(t *testing.T, s *Store) []string {
	t.Helper()
	var ids []string
	if err := s.List(context.Background(), func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(ids)
	return ids
}

func TestContractRoundTripListDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		a := put(t, s, wavFile(300<<10))
		b := put(t, s, []byte("カスハラの記録です。\n"))
		if got := readAll(t, s, b.ID); string(got) != "カスハラの記録です。\n" {
			t.Errorf("read back %q", got)
		}
		if b.MediaType != "text/plain; charset=utf-8" {
			t.Errorf("MediaType = %q", b.MediaType)
		}
		want := []string{a.ID, b.ID}
		slices.Sort(want)
		if got := listIDs(t, s); !slices.Equal(got, want) {
			t.Errorf("List = %v, want %v", got, want)
		}
		if err := s.Verify(a.ID, a.SHA256); err != nil {
			t.Errorf("Verify: %v", err)
		}
		// The stored bytes are ciphertext: the plaintext appears nowhere.
		raw := storedBytes(t, s, b.ID)
		if bytes.Contains(raw, []byte("カスハラ")) || !bytes.HasPrefix(raw, []byte("age-encryption.org/v1")) {
			t.Errorf("stored bytes are not an age file: %q", raw[:min(len(raw), 40)])
		}

		// A refused upload leaves nothing behind.
		if _, err := s.Put(ctx, bytes.NewReader(append([]byte("#!/bin/sh\n"), make([]byte, 100)...)), testMax); !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("Put of a script: %v", err)
		}
		if _, err := s.Put(ctx, bytes.NewReader(wavFile(200<<10)), 100<<10); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Put over the limit: %v", err)
		}
		// Text that turns out not to be text after the sniffed head.
		bad := append(bytes.Repeat([]byte("あいうえお"), 1000), 0xff, 0xfe, 0x00, 0x01)
		if _, err := s.Put(ctx, bytes.NewReader(bad), testMax); err == nil {
			t.Errorf("Put of binary after a text head succeeded")
		}
		if got := listIDs(t, s); !slices.Equal(got, want) {
			t.Errorf("after refused uploads List = %v, want %v", got, want)
		}

		if err := s.Delete(a.ID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := s.Delete(a.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second Delete: %v, want ErrNotFound", err)
		}
		if _, err := s.Open(a.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open after Delete: %v, want ErrNotFound", err)
		}
		if err := s.Verify(a.ID, a.SHA256); !errors.Is(err, ErrNotFound) {
			t.Errorf("Verify after Delete: %v, want ErrNotFound", err)
		}
		if ok, err := s.Exists(ctx, a.ID); ok || err != nil {
			t.Errorf("Exists after Delete = %v, %v", ok, err)
		}
		if got := listIDs(t, s); !slices.Equal(got, []string{b.ID}) {
			t.Errorf("after Delete List = %v, want only %s", got, b.ID)
		}
		if _, err := s.Open("../" + b.ID[3:]); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Open of a path: %v, want ErrInvalidID", err)
		}
	})
}

func storedBytes(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	r, err := s.ReadStored(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestContractRangeRequests serves a blob as the evidence handler does:
// http.ServeContent over Reader answers Range requests from the plaintext.
func TestContractRangeRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		data := wavFile(300 << 10)
		b := put(t, s, data)
		handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r, err := s.Open(b.ID)
			if err != nil {
				http.Error(w, "not found", http.StatusNotFound)
				return
			}
			defer r.Close()
			w.Header().Set("Content-Type", b.MediaType)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("ETag", `"`+b.SHA256+`"`)
			http.ServeContent(w, req, "", time.Time{}, r)
		})

		tests := []struct {
			rangeHdr   string
			wantStatus int
			from, to   int // inclusive
		}{
			{"", http.StatusOK, 0, len(data) - 1},
			{"bytes=65530-65545", http.StatusPartialContent, 65530, 65545},
			{"bytes=200000-", http.StatusPartialContent, 200000, len(data) - 1},
			{"bytes=-10", http.StatusPartialContent, len(data) - 10, len(data) - 1},
		}
		for _, tt := range tests {
			req := httptest.NewRequest(http.MethodGet, "/evidence/x", nil)
			if tt.rangeHdr != "" {
				req.Header.Set("Range", tt.rangeHdr)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("Range %q: status %d, want %d", tt.rangeHdr, rec.Code, tt.wantStatus)
				continue
			}
			if !bytes.Equal(rec.Body.Bytes(), data[tt.from:tt.to+1]) {
				t.Errorf("Range %q: body of %d bytes differs from plaintext [%d:%d]", tt.rangeHdr, rec.Body.Len(), tt.from, tt.to+1)
			}
			if got := rec.Header().Get("Content-Type"); got != "audio/wav" {
				t.Errorf("Range %q: Content-Type %q", tt.rangeHdr, got)
			}
			if tt.wantStatus == http.StatusPartialContent {
				want := fmt.Sprintf("bytes %d-%d/%d", tt.from, tt.to, len(data))
				if got := rec.Header().Get("Content-Range"); got != want {
					t.Errorf("Content-Range = %q, want %q", got, want)
				}
			}
		}
	})
}

// TestContractTampering: another file's ciphertext put in place of a blob
// decrypts with the same key, and the recorded hash catches it; a flipped
// byte fails authentication.
func TestContractTampering(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		ctx := context.Background()
		a := put(t, s, wavFile(200<<10))
		b := put(t, s, wavFile(100<<10))
		rawB := storedBytes(t, s, b.ID)
		if _, err := s.WriteStored(ctx, a.ID, bytes.NewReader(rawB), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(a.ID, a.SHA256); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Verify of swapped ciphertext: %v, want ErrCorrupt", err)
		}
		flipped := bytes.Clone(rawB)
		flipped[len(flipped)-100] ^= 1
		if _, err := s.WriteStored(ctx, b.ID, bytes.NewReader(flipped), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(b.ID, b.SHA256); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Verify of a flipped byte: %v, want ErrCorrupt", err)
		}
		// WriteStored with the wrong expected hash stores nothing.
		sum := sha256.Sum256(rawB)
		if _, err := s.WriteStored(ctx, b.ID, bytes.NewReader(flipped), hex.EncodeToString(sum[:])); !errors.Is(err, ErrCorrupt) {
			t.Errorf("WriteStored with a wrong hash: %v, want ErrCorrupt", err)
		}
		if !bytes.Equal(storedBytes(t, s, b.ID), flipped) {
			t.Errorf("a refused WriteStored changed the stored blob")
		}
	})
}

// TestContractLargeStreams puts, verifies and reads a file far larger than
// any buffer (and than one S3 part) with memory that does not grow with it.
func TestContractLargeStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		const size = 40 << 20
		src := newWAVStream(size)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b, err := s.Put(context.Background(), src, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if b.Size != size+44 {
			t.Errorf("Size = %d, want %d", b.Size, size+44)
		}
		if want := hex.EncodeToString(src.hash.Sum(nil)); b.SHA256 != want {
			t.Fatalf("SHA256 = %s, want %s", b.SHA256, want)
		}
		allocated := after.TotalAlloc - before.TotalAlloc
		heapGrowth := int64(src.peakHeap) - int64(before.HeapInuse)
		t.Logf("Put of %d MiB: allocated %d KiB; heap peaked %d KiB above the start", size>>20, allocated>>10, heapGrowth>>10)
		// One S3 part (5 MiB) plus buffers; holding the file would take 40.
		if heapGrowth > 16<<20 || allocated > size/2 {
			t.Errorf("Put of %d MiB: heap grew %d MiB, allocated %d MiB: not streamed", size>>20, heapGrowth>>20, allocated>>20)
		}

		// age allocates a buffer per chunk as it decrypts (garbage at once),
		// so what must not grow with the file is the heap in use.
		peak := peakHeapDuring(func() {
			if err := s.Verify(b.ID, b.SHA256); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
		t.Logf("Verify of %d MiB: heap peaked %d KiB above the start", size>>20, peak>>10)
		if peak > 16<<20 {
			t.Errorf("Verify of %d MiB: heap grew %d MiB: not streamed", size>>20, peak>>20)
		}

		r, err := s.Open(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != b.SHA256 {
			t.Errorf("read back SHA-256 %s, want %s", got, b.SHA256)
		}
		// A range near the end reads a chunk or two, not the file.
		p := make([]byte, 1000)
		if _, err := r.ReadAt(p, size-5000); err != nil {
			t.Fatal(err)
		}
		for i := range p {
			if p[i] != sample(size-5000-44+int64(i)) {
				t.Fatalf("ReadAt near the end: byte %d differs", i)
			}
		}
	})
}

// TestContractMissingKeyWithEvidence: a store whose key is lost while
// files exist refuses to start instead of making a new key.
func TestContractMissingKeyWithEvidence(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		put(t, s, []byte("記録\n"))
		s.Close()
		if err := os.Remove(filepath.Join(dir, "keys", "evidence.age-key")); err != nil {
			t.Fatal(err)
		}
		_, err := OpenWith(context.Background(), dir, o)
		if err == nil || !strings.Contains(err.Error(), "restore the key from backup") {
			t.Errorf("OpenWith without the key: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "keys", "evidence.age-key")); err == nil {
			t.Errorf("a new key was made while evidence encrypted to the old one exists")
		}
	})
}

func TestS3Misconfigured(t *testing.T) {
	b := testdb.NewS3Bucket(t)
	good := S3{Endpoint: b.Endpoint, Region: b.Region, AccessKey: b.AccessKey, SecretKey: b.SecretKey, PathStyle: true}
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		loc  string
		o    S3
		want string
	}{
		{"no such bucket", "s3://kasuhara-no-such-bucket/x", good, "does not exist"},
		{"wrong secret", b.Location("x"), S3{Endpoint: good.Endpoint, Region: good.Region, AccessKey: good.AccessKey, SecretKey: "wrong", PathStyle: true}, "bucket"},
		{"bad endpoint", b.Location("x"), S3{Endpoint: "ftp://host", PathStyle: true}, "endpoint"},
		{"bad location", "s3:///x", good, "s3://bucket"},
	} {
		_, err := OpenWith(ctx, t.TempDir(), Options{Location: tt.loc, S3: tt.o})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "wrong") && tt.name == "wrong secret" {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// peakHeapDuring runs fn and returns how far the heap in use rose above
// its level at the start, sampled every millisecond.
func peakHeapDuring(fn func()) int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	start := int64(m.HeapInuse)
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if d := int64(m.HeapInuse) - start; d > peak.Load() {
					peak.Store(d)
				}
			}
		}
	}()
	fn()
	close(done)
	<-stopped
	return peak.Load()
}

// TestContractRotation: after BeginRotation new files go to the new key,
// old files stay readable, Reencrypt moves each once, and after
// FinishRotation the old key is gone and every file still reads. A second
// store open on the same keys (another server) notices the new key.
func TestContractRotation(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store, dir string, o Options) {
		ctx := context.Background()
		other, err := OpenWith(ctx, dir, o)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		before := []Blob{put(t, s, wavFile(150<<10)), put(t, s, []byte("古い鍵の記録\n"))}
		oldKey := s.Recipient()
		if s.Rotating() {
			t.Fatal("Rotating before any rotation")
		}
		oldR, newR, err := s.BeginRotation()
		if err != nil {
			t.Fatal(err)
		}
		if oldR != oldKey || newR == oldKey || s.Recipient() != newR || other.Recipient() != newR || !s.Rotating() {
			t.Fatalf("BeginRotation: old %s new %s; store now encrypts to %s, the other store to %s", oldR, newR, s.Recipient(), other.Recipient())
		}
		// Calling it again continues the same rotation.
		if o2, n2, err := s.BeginRotation(); err != nil || o2 != oldR || n2 != newR {
			t.Fatalf("BeginRotation again = %s, %s, %v", o2, n2, err)
		}
		during := put(t, other, []byte("回転中の記録\n"))
		for _, b := range append(before, during) {
			if err := other.Verify(b.ID, b.SHA256); err != nil {
				t.Errorf("Verify during rotation: %v", err)
			}
		}
		for _, b := range before {
			if changed, err := s.Reencrypt(ctx, b.ID, b.SHA256); err != nil || !changed {
				t.Errorf("Reencrypt(%s) = %v, %v; want true", b.ID, changed, err)
			}
			if changed, err := s.Reencrypt(ctx, b.ID, b.SHA256); err != nil || changed {
				t.Errorf("Reencrypt again = %v, %v; want false", changed, err)
			}
		}
		if changed, err := s.Reencrypt(ctx, during.ID, during.SHA256); err != nil || changed {
			t.Errorf("Reencrypt of a file made during rotation = %v, %v; want false", changed, err)
		}
		// A wrong hash is refused and the file is left as it was.
		c := put(t, s, []byte("ハッシュ確認\n"))
		if err := s.FinishRotation(); err != nil {
			t.Fatal(err)
		}
		if s.Rotating() {
			t.Error("Rotating after FinishRotation")
		}
		if _, err := os.Stat(filepath.Join(dir, "keys", "evidence.old.age-key")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("old key file after FinishRotation: %v", err)
		}
		for _, b := range append(before, during, c) {
			if err := other.Verify(b.ID, b.SHA256); err != nil {
				t.Errorf("Verify after rotation: %v", err)
			}
		}
		// A second rotation with a file left behind: it cannot be read once
		// the old key is destroyed (so the command must not finish early).
		if _, _, err := s.BeginRotation(); err != nil {
			t.Fatal(err)
		}
		if changed, err := s.Reencrypt(ctx, c.ID, sha256Hex([]byte("other"))); !errors.Is(err, ErrCorrupt) || changed {
			t.Errorf("Reencrypt with a wrong hash = %v, %v; want ErrCorrupt", changed, err)
		}
		if err := s.Verify(c.ID, c.SHA256); err != nil {
			t.Errorf("a refused Reencrypt changed the file: %v", err)
		}
		if err := s.FinishRotation(); err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(c.ID, c.SHA256); err == nil {
			t.Errorf("a file left on the destroyed key still reads")
		}
	})
}

// TestRotationCrashBetweenSteps: a rotation that died after making its new
// key but before keeping the old one starts again; one that died after
// keeping the old key puts the new key in place.
func TestRotationCrashBetweenSteps(t *testing.T) {
	s, dir := newStore(t)
	b := put(t, s, []byte("記録\n"))
	keys := filepath.Join(dir, "keys")
	first := s.Recipient()
	// Died after writing the next key only.
	root, err := os.OpenRoot(keys)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := createKey(root, nextKeyFileName); err != nil {
		t.Fatal(err)
	}
	if oldR, newR, err := s.BeginRotation(); err != nil || oldR != first || newR == first {
		t.Fatalf("BeginRotation after a crash before the link = %s, %s, %v", oldR, newR, err)
	}
	if changed, err := s.Reencrypt(context.Background(), b.ID, b.SHA256); err != nil || !changed {
		t.Fatalf("Reencrypt = %v, %v", changed, err)
	}
	if err := s.FinishRotation(); err != nil {
		t.Fatal(err)
	}
	// Died after keeping the old key, before renaming the next one.
	second := s.Recipient()
	if _, err := createKey(root, nextKeyFileName); err != nil {
		t.Fatal(err)
	}
	if err := root.Link(keyFileName, oldKeyFileName); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRotation(); err == nil {
		t.Error("FinishRotation with the new key not in place succeeded")
	}
	oldR, newR, err := s.BeginRotation()
	if err != nil || oldR != second || newR == second {
		t.Fatalf("BeginRotation after a crash before the rename = %s, %s, %v", oldR, newR, err)
	}
	if err := s.Verify(b.ID, b.SHA256); err != nil {
		t.Errorf("Verify after the resumed rotation: %v", err)
	}
}

// countingTransport counts the GET requests that carry a Range header.
type countingTransport struct{ ranged atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && r.Header.Get("Range") != "" {
		c.ranged.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestS3RangedReads: reading a recording from the middle fetches only a
// window around it, and reading one from start to end costs one request
// per window (1 MiB), not one per 64 KiB chunk.
func TestS3RangedReads(t *testing.T) {
	b := testdb.NewS3Bucket(t)
	ct := &countingTransport{}
	o := Options{Location: b.Location("evidence"), S3: S3{Endpoint: b.Endpoint, Region: b.Region, AccessKey: b.AccessKey,
		SecretKey: b.SecretKey, PathStyle: true, transport: ct}}
	s, err := OpenWith(context.Background(), t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := wavFile(4 << 20)
	bl := put(t, s, data)

	r, err := s.Open(bl.ID)
	if err != nil {
		t.Fatal(err)
	}
	ct.ranged.Store(0)
	p := make([]byte, 1000)
	if _, err := r.ReadAt(p, 3<<20); err != nil || !bytes.Equal(p, data[3<<20:3<<20+1000]) {
		t.Fatalf("ReadAt in the middle: %v", err)
	}
	if n := ct.ranged.Load(); n != 1 {
		t.Errorf("a read in the middle made %d ranged GETs, want 1", n)
	}
	r.Close()

	r, err = s.Open(bl.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ct.ranged.Store(0)
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("sequential read: %d bytes, %v", len(got), err)
	}
	// 4 MiB of plaintext is a little more ciphertext: five windows, where
	// one request per chunk would be 64.
	if n := ct.ranged.Load(); n > 6 {
		t.Errorf("reading 4 MiB from start to end made %d ranged GETs, want at most 6", n)
	}
}
