package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

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
