package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

func TestChecked(t *testing.T) {
	data := bytes.Repeat([]byte("録音データ"), 40000) // 600 kB, several chunks
	other := bytes.Repeat([]byte("別の事案のデ"), 33334)[:len(data)]
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for _, tc := range []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"the recorded file", data, true},
		{"another file", other, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewChecked(bytes.NewReader(tc.content), int64(len(tc.content)), want)
			// As http.ServeContent does: the size, then the start.
			if _, err := c.Seek(0, io.SeekEnd); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			if tc.ok {
				if err != nil || !bytes.Equal(got, data) || c.Failed() {
					t.Fatalf("read %d bytes, err %v, failed %v", len(got), err, c.Failed())
				}
				return
			}
			if !errors.Is(err, ErrCorrupt) || !c.Failed() {
				t.Fatalf("err = %v, failed = %v, want ErrCorrupt", err, c.Failed())
			}
			// The reader never received the whole file.
			if len(got) >= len(tc.content) {
				t.Fatalf("read %d of %d bytes before the check failed", len(got), len(tc.content))
			}
			if _, err := c.Read(make([]byte, 10)); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("a read after the failure = %v", err)
			}
		})
	}
}

// TestCheckedStored swaps one stored file for another's ciphertext: the
// copy decrypts, and Checked refuses it at its end.
func TestCheckedStored(t *testing.T) {
	s, _ := newStore(t)
	a := put(t, s, wavFile(200000))
	b := put(t, s, wavFile(200000-1))
	r, err := s.Open(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = io.ReadAll(NewChecked(r, r.Size(), a.SHA256))
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}
