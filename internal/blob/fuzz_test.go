package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

// FuzzPut checks the content check of uploads on any bytes: Put either
// refuses them (ErrEmpty, ErrTooLarge or ErrUnsupportedType, and leaves no
// file) or stores a type on the allowlist that reads back byte for byte
// with the SHA-256 it reported. Accepted text never starts like markup or
// a script and holds no control bytes other than TAB, LF, FF, CR and ESC.
func FuzzPut(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte("お客様に怒鳴られました。\r\n"),
		{0x82, 0xa8, 0x8b, 0x71, 0x97, 0x6c}, // お客様 in Shift_JIS
		[]byte("\xEF\xBB\xBF  <script>alert(1)</script>"),
		[]byte("#!/bin/sh\nrm -rf /\n"),
		[]byte("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"),
		[]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
		[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
		[]byte("MZ\x90\x00\x03\x00\x00\x00"),
		[]byte("PK\x03\x04\x14\x00"),
		[]byte("text then \x00 binary"),
		[]byte("a,b,c\n1,2,3\n"),
		{},
	} {
		f.Add(seed)
	}
	s, err := Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	allowed := []string{"text/plain; charset=utf-8", "text/plain; charset=shift_jis"}
	for _, a := range accepted {
		allowed = append(allowed, a.mediaType)
	}
	const max = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := s.Put(context.Background(), bytes.NewReader(data), max)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupportedType) {
				t.Fatalf("Put(%q) = %v, want a refusal", data, err)
			}
			if len(data) == 0 != errors.Is(err, ErrEmpty) {
				t.Fatalf("Put of %d bytes: %v", len(data), err)
			}
			return
		}
		defer s.Delete(b.ID)
		if !slices.Contains(allowed, b.MediaType) {
			t.Fatalf("Put(%q) stored %q, which is not on the allowlist", data, b.MediaType)
		}
		if Extension(b.MediaType) == ".bin" {
			t.Fatalf("no extension for %q", b.MediaType)
		}
		if sum := sha256.Sum256(data); b.SHA256 != hex.EncodeToString(sum[:]) || b.Size != int64(len(data)) {
			t.Fatalf("Put(%q) reported %d bytes, %s", data, b.Size, b.SHA256)
		}
		if b.MediaType == "text/plain; charset=utf-8" || b.MediaType == "text/plain; charset=shift_jis" {
			trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
			if bytes.HasPrefix(trimmed, []byte("#!")) || len(trimmed) >= 2 && trimmed[0] == '<' && isTagStart(trimmed[1]) {
				t.Fatalf("Put(%q) accepted markup or a script as text", data)
			}
			for _, c := range data {
				if binaryByte[c] {
					t.Fatalf("Put(%q) accepted the control byte %#x as text", data, c)
				}
			}
		}
		r, err := s.Open(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got bytes.Buffer
		if _, err := got.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("read back %d bytes, stored %d", got.Len(), len(data))
		}
	})
}
