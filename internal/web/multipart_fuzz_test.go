package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
)

// countingBlobs is a blob store that keeps track of the files that exist.
type countingBlobs struct {
	*blob.Store
	mu   sync.Mutex
	live map[string]bool
}

func (c *countingBlobs) Put(ctx context.Context, r io.Reader, max int64) (blob.Blob, error) {
	b, err := c.Store.Put(ctx, r, max)
	if err == nil {
		c.mu.Lock()
		c.live[b.ID] = true
		c.mu.Unlock()
	}
	return b, err
}

func (c *countingBlobs) Delete(id string) error {
	c.mu.Lock()
	delete(c.live, id)
	c.mu.Unlock()
	return c.Store.Delete(id)
}

// FuzzMultipart checks the reading of an upload (evidence, and reports
// with photos) on any body: it either fails with an error a client is told
// about (EINVALID, EUNSUPPORTED, ETOOLARGE or the body limit) and leaves no
// stored file behind, or returns exactly the files it stored, each of an
// accepted type, at most MaxFilesPerRequest.
func FuzzMultipart(f *testing.F) {
	const boundary = "KasuharaBoundary"
	part := func(name, filename, body string) string {
		h := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
		if filename != "" {
			h += "; filename=\"" + filename + "\""
		}
		return h + "\r\n\r\n" + body + "\r\n"
	}
	end := "--" + boundary + "--\r\n"
	for _, s := range []string{
		part("receipt", "", "ABCD-EFGH") + part("file", "メモ.txt", "お客様に怒鳴られた") + end,
		part("files", "a.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") + part("files", "b.txt", "text") + end,
		part("file", "x.html", "<script>alert(1)</script>") + end,
		part("file", "empty.txt", "") + end,
		part("other", "ignored.bin", "MZ\x90\x00") + end,
		part("file", "a.txt", "ok") + part("file", "b.sh", "#!/bin/sh\n") + end,
		strings.Repeat(part("files", "n.txt", "n"), 11) + end,
		part("body", "", strings.Repeat("あ", 100)) + end,
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.txt\"\r\n\r\nno end",
		"--" + boundary + "\n\n", // a part cut short was an internal error
		part("file", "a.txt", "ok") + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.txt\"\r\n\r\ncut",
		"not multipart at all",
		"",
	} {
		f.Add(s)
	}
	store, err := blob.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	blobs := &countingBlobs{Store: store, live: map[string]bool{}}
	s := &Server{Deps: Deps{Blobs: blobs, MaxUpload: 1 << 16}}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/cases/x/evidence", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<20)
		form, err := s.readMultipart(r)
		if err != nil {
			var e *kasuhara.Error
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &e) && (e.Code == kasuhara.EINVALID || e.Code == kasuhara.EUNSUPPORTED || e.Code == kasuhara.ETOOLARGE):
			case errors.As(err, &mbe):
			default:
				t.Fatalf("readMultipart(%q) = %v", body, err)
			}
			if len(blobs.live) != 0 {
				t.Fatalf("readMultipart(%q) failed (%v) and left %d stored files", body, err, len(blobs.live))
			}
			return
		}
		if len(form.files) != len(blobs.live) || len(form.files) > MaxFilesPerRequest {
			t.Fatalf("readMultipart(%q) returned %d files and stored %d", body, len(form.files), len(blobs.live))
		}
		for _, e := range form.files {
			if !blobs.live[e.BlobID] || blob.Extension(e.MediaType) == ".bin" {
				t.Fatalf("readMultipart(%q) returned %+v", body, e)
			}
		}
		s.discard(form)
	})
}
