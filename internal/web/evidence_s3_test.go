package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

// TestEvidenceRangeOnS3: with the evidence in a bucket (a real
// S3-compatible server), an upload is stored encrypted and the download
// handler answers whole files and byte ranges as on local disk.
func TestEvidenceRangeOnS3(t *testing.T) {
	b := testdb.NewS3Bucket(t)
	blobs, err := blob.OpenWith(context.Background(), t.TempDir(), blob.Options{Location: b.Location("evidence"), S3: blob.S3{
		Endpoint: b.Endpoint, Region: b.Region, AccessKey: b.AccessKey, SecretKey: b.SecretKey, PathStyle: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	e := newEnv(t, "sqlite", func(d *web.Deps) { d.Blobs = blobs; d.MaxUpload = 4 << 20 })
	emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
	r := emp.call("POST", "/api/v1/reports", validReport())
	must(t, r, 201)
	id := decode(t, r.body)["id"].(string)
	img := pngBytes(t, 600, 600)
	body, ct := multipartBody(t, nil, map[string][]byte{"レジ前.png": img})
	r = emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct})
	must(t, r, 201)
	evID := decode(t, r.body)["evidence"].([]any)[0].(map[string]any)["id"].(string)
	n := 0
	blobs.List(context.Background(), func(string) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d objects in the bucket after one upload", n)
	}
	url := "/api/v1/cases/" + id + "/evidence/" + evID
	auth := "Bearer " + desk.tok
	if r := desk.c.do("GET", url, nil, map[string]string{"Authorization": auth}); r.status != 200 || r.body != string(img) {
		t.Fatalf("whole download from the bucket: %d, %d bytes of %d", r.status, len(r.body), len(img))
	}
	for _, tt := range []struct {
		rng      string
		from, to int
	}{{"bytes=100-199", 100, 200}, {"bytes=-50", len(img) - 50, len(img)}, {fmt.Sprintf("bytes=%d-", len(img)/2), len(img) / 2, len(img)}} {
		r := desk.c.do("GET", url, nil, map[string]string{"Authorization": auth, "Range": tt.rng})
		if r.status != http.StatusPartialContent || r.body != string(img[tt.from:tt.to]) {
			t.Errorf("Range %s from the bucket: %d, %d bytes", tt.rng, r.status, len(r.body))
		}
	}
}

// countingProxy stands between the blob store and the S3 server and counts
// the GETs of objects, those of whole objects (no Range), and the bytes
// they answer.
type countingProxy struct {
	gets, whole, bytes atomic.Int64
}

func (p *countingProxy) start(t *testing.T, endpoint string) string {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target) // keeps the Host the request was signed for
	rp.ModifyResponse = func(res *http.Response) error {
		if res.Request.Method == http.MethodGet && strings.Count(strings.Trim(res.Request.URL.Path, "/"), "/") >= 2 {
			p.gets.Add(1)
			if res.Request.Header.Get("Range") == "" {
				p.whole.Add(1)
			}
			res.Body = &countingBody{ReadCloser: res.Body, n: &p.bytes}
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (p *countingProxy) reset() { p.gets.Store(0); p.whole.Store(0); p.bytes.Store(0) }

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// wavBytes is a WAV recording (8 kHz, 16-bit mono) of dataLen bytes of
// samples.
func wavBytes(dataLen int) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("RIFF")
	b.Write(le.AppendUint32(nil, uint32(36+dataLen)))
	b.WriteString("WAVEfmt ")
	b.Write(le.AppendUint32(nil, 16))
	b.Write(le.AppendUint16(nil, 1))
	b.Write(le.AppendUint16(nil, 1))
	b.Write(le.AppendUint32(nil, 8000))
	b.Write(le.AppendUint32(nil, 16000))
	b.Write(le.AppendUint16(nil, 2))
	b.Write(le.AppendUint16(nil, 16))
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, uint32(dataLen)))
	for i := range dataLen {
		b.WriteByte(byte(i*31) ^ byte(i>>9) ^ byte(i>>17))
	}
	return b.Bytes()
}

// TestEvidenceSeeksOnS3AfterOneCheck: a playback's first Range request
// checks the whole recording in the bucket against its SHA-256; the seeks
// that follow within five minutes fetch only the windows they need, not
// the whole object again (counted at the bucket). A recording swapped in
// the bucket afterwards is refused again: by the next whole download,
// which forgets the check, and by any Range request once the five minutes
// are over.
func TestEvidenceSeeksOnS3AfterOneCheck(t *testing.T) {
	b := testdb.NewS3Bucket(t)
	proxy := &countingProxy{}
	endpoint := proxy.start(t, b.Endpoint)
	blobs, err := blob.OpenWith(context.Background(), t.TempDir(), blob.Options{Location: b.Location("evidence"), S3: blob.S3{
		Endpoint: endpoint, Region: b.Region, AccessKey: b.AccessKey, SecretKey: b.SecretKey, PathStyle: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	var later atomic.Int64 // how far the server's clock is ahead
	e := newEnv(t, "sqlite", func(d *web.Deps) {
		d.Blobs = blobs
		d.MaxUpload = 16 << 20
		d.Now = func() time.Time { return time.Now().Add(time.Duration(later.Load())) }
	})
	emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
	deskV := e.actor(kasuhara.RoleDesk)
	upload := func(name string, data []byte) (caseID string, ev kasuhara.Evidence) {
		t.Helper()
		r := emp.call("POST", "/api/v1/reports", validReport())
		must(t, r, 201)
		caseID = decode(t, r.body)["id"].(string)
		body, ct := multipartBody(t, nil, map[string][]byte{name: data})
		must(t, emp.c.do("POST", "/api/v1/cases/"+caseID+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct}), 201)
		es, err := e.st.EvidenceList(ctx, deskV, caseID)
		if err != nil || len(es) != 1 {
			t.Fatalf("evidence = %v, %v", es, err)
		}
		return caseID, es[0]
	}
	get := func(path, rng string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+desk.tok)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		res, err := hc.Do(req)
		if err != nil {
			return 0, nil // the server ended the response before its header
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	objectKey := func(id string) string { return "evidence/" + id[:2] + "/" + id }
	swap := func(onto, from kasuhara.Evidence) {
		t.Helper()
		if _, err := b.Client.CopyObject(context.Background(), minio.CopyDestOptions{Bucket: b.Bucket, Object: objectKey(onto.BlobID)},
			minio.CopySrcOptions{Bucket: b.Bucket, Object: objectKey(from.BlobID)}); err != nil {
			t.Fatal(err)
		}
	}

	rec := wavBytes(8 << 20)
	size := int64(len(rec))
	caseA, evA := upload("通話録音.wav", rec)
	_, evB := upload("別の録音.wav", wavBytes(1<<20))
	caseC, evC := upload("三件目の録音.wav", wavBytes(3<<20))
	pathA := "/api/v1/cases/" + caseA + "/evidence/" + evA.ID
	pathC := "/api/v1/cases/" + caseC + "/evidence/" + evC.ID

	// The first Range request reads the whole object to check it.
	proxy.reset()
	if status, body := get(pathA, "bytes=0-65535"); status != http.StatusPartialContent || !bytes.Equal(body, rec[:65536]) {
		t.Fatalf("the first range: %d, %d bytes", status, len(body))
	}
	if n, w := proxy.bytes.Load(), proxy.whole.Load(); n < size || w != 1 {
		t.Fatalf("the first range read %d bytes of the %d-byte object, %d GETs of it whole: it was not checked whole", n, size, w)
	}
	// The seeks after it read a window each (1 MiB), besides what opening
	// the file reads: its header's window and its last chunk.
	const opening, window = 1<<20 + 64<<10, 1<<20 + 64<<10
	for i, at := range []int64{7 << 20, 1 << 20, 5<<20 + 12345, 100, size - 1000} {
		proxy.reset()
		rng := fmt.Sprintf("bytes=%d-%d", at, min(at+999, size-1))
		status, body := get(pathA, rng)
		if status != http.StatusPartialContent || !bytes.Equal(body, rec[at:min(at+1000, size)]) {
			t.Fatalf("seek %d (%s): %d, %d bytes", i, rng, status, len(body))
		}
		if n, g, w := proxy.bytes.Load(), proxy.gets.Load(), proxy.whole.Load(); n > opening+window || g > 3 || w != 0 {
			t.Errorf("seek %d (%s) read %d bytes in %d GETs (%d of the whole object) of the %d-byte object, want one window", i, rng, n, g, w, size)
		}
	}

	// Swapped in the bucket: the next whole download fails and forgets
	// the check, so the Range request after it checks whole again.
	swap(evA, evB)
	if status, body := get(pathA, ""); status == http.StatusOK && bytes.Equal(body, rec) {
		t.Fatal("the swapped recording was served whole as the one recorded")
	}
	proxy.reset()
	if status, body := get(pathA, "bytes=0-99"); status != http.StatusConflict || !strings.Contains(string(body), evA.ID) {
		t.Fatalf("a range of the swapped recording after a whole download caught it: %d %.200s", status, body)
	}
	if w := proxy.whole.Load(); w != 1 {
		t.Errorf("the range after the mismatch made %d GETs of the whole object, want 1: it was not checked whole", w)
	}

	// Checked, then swapped: once five minutes are over, the next seek
	// checks whole again and is refused.
	if status, _ := get(pathC, "bytes=0-99"); status != http.StatusPartialContent {
		t.Fatalf("the first range of the third recording: %d", status)
	}
	swap(evC, evB)
	later.Store(int64(5*time.Minute + time.Second))
	if status, body := get(pathC, "bytes=2000000-2000099"); status != http.StatusConflict || !strings.Contains(string(body), evC.ID) {
		t.Fatalf("a seek in the swapped recording five minutes after its check: %d %.200s", status, body)
	}
}
