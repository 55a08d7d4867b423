package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/kasuhara/kasuhara/internal/testdb"
)

var benchSizes = []int{1 << 20, 16 << 20}

// BenchmarkPut measures Put end to end: sniffing, SHA-256, age encryption,
// fsync and rename.
func BenchmarkPut(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s, _ := newStore(b)
			benchPut(b, s, wavFile(size-44))
		})
	}
}

// BenchmarkRead measures reading a whole blob through Reader with 32 KiB
// reads, as http.ServeContent does.
func BenchmarkRead(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s, _ := newStore(b)
			benchRead(b, s, put(b, s, wavFile(size-44)))
		})
	}
}

// benchPut puts data into s, once an iteration.
func benchPut(b *testing.B, s *Store, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.Put(context.Background(), bytes.NewReader(data), testMax); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRead opens blob and reads it whole, once an iteration.
func benchRead(b *testing.B, s *Store, blob Blob) {
	buf := make([]byte, 32<<10)
	b.SetBytes(blob.Size)
	for b.Loop() {
		r, err := s.Open(blob.ID)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, onlyReader{r}, buf); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkReadAtRandom measures 64 KiB reads at random offsets of a
// 16 MiB blob, as a player seeking in a recording makes them.
func BenchmarkReadAtRandom(b *testing.B) {
	s, _ := newStore(b)
	blob := put(b, s, wavFile(16<<20-44))
	r, err := s.Open(blob.ID)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		off := rng.Int64N(blob.Size - int64(len(p)))
		if _, err := r.ReadAt(p, off); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures a full sequential decrypt and hash.
func BenchmarkVerify(b *testing.B) {
	s, _ := newStore(b)
	blob := put(b, s, wavFile(16<<20-44))
	b.SetBytes(blob.Size)
	for b.Loop() {
		if err := s.Verify(blob.ID, blob.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

// onlyReader hides every method but Read, so io.Copy takes the plain path.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// BenchmarkS3 measures Put, a whole read and a random 64 KiB read against
// the S3-compatible test server (versitygw on the same machine in CI: the
// figures are the client's and the protocol's cost, not a network's).
func BenchmarkS3(b *testing.B) {
	bk := testdb.NewS3Bucket(b)
	s, err := OpenWith(context.Background(), b.TempDir(), Options{Location: bk.Location("bench"), S3: S3{
		Endpoint: bk.Endpoint, Region: bk.Region, AccessKey: bk.AccessKey, SecretKey: bk.SecretKey, PathStyle: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := wavFile(16<<20 - 44)
	b.Run("Put16MiB", func(b *testing.B) { benchPut(b, s, data) })
	blob := put(b, s, data)
	b.Run("Read16MiB", func(b *testing.B) { benchRead(b, s, blob) })
	b.Run("ReadAtRandom64KiB", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 2))
		p := make([]byte, 64<<10)
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			r, err := s.Open(blob.ID)
			if err != nil {
				b.Fatal(err)
			}
			off := rng.Int64N(blob.Size - int64(len(p)))
			if _, err := r.ReadAt(p, off); err != nil && err != io.EOF {
				b.Fatal(err)
			}
			r.Close()
		}
	})
}
