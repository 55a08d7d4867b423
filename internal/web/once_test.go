package web_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/web"
)

// storedFiles counts the evidence files of the blob store on disk.
func storedFiles(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(e.data, "evidence"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countingBlobs counts the files given to the blob store.
type countingBlobs struct {
	web.Blobs
	puts atomic.Int32
}

func (c *countingBlobs) Put(ctx context.Context, r io.Reader, max int64) (blob.Blob, error) {
	c.puts.Add(1)
	return c.Blobs.Put(ctx, r, max)
}

// An evidence upload sent twice with its idempotency key (two taps, Back
// and send; an API client's retry) stores the file once and answers the
// first result (issue 18, submit once): the API the same evidence, the
// case page the same place. The key is read before the files, so that a
// repeat of a finished upload gives none of its files to the store. The
// API refuses the key with other files; the page asks to choose them
// again.
func TestEvidenceUploadSubmitsOnce(t *testing.T) {
	var blobs *countingBlobs
	onEachEngine(t, func(t *testing.T, e *env) {
		emp := e.api(kasuhara.RoleEmployee)
		r := emp.call("POST", "/api/v1/reports", validReport())
		must(t, r, 201)
		id := decode(t, r.body)["id"].(string)
		img := pngBytes(t, 40, 40)
		upload := func(key string, data []byte) resp {
			body, ct := multipartBody(t, nil, map[string][]byte{"レジ前.png": data})
			return emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok,
				"Content-Type": ct, "Idempotency-Key": key})
		}
		first := upload("upload-key-1", img)
		must(t, first, 201)
		again := upload("upload-key-1", img)
		must(t, again, 201)
		evID := func(r resp) string { return decode(t, r.body)["evidence"].([]any)[0].(map[string]any)["id"].(string) }
		if evID(again) != evID(first) {
			t.Errorf("the repeat answered evidence %s, the first %s", evID(again), evID(first))
		}
		list := func() int {
			r := emp.call("GET", "/api/v1/cases/"+id+"/evidence", nil)
			must(t, r, 200)
			return len(decode(t, r.body)["evidence"].([]any))
		}
		// wantFiles checks the files on the case, those kept in the store
		// and those ever given to it.
		wantFiles := func(what string, want int) {
			t.Helper()
			if n := list(); n != want {
				t.Errorf("%s: %d files on the case, want %d", what, n, want)
			}
			if n := storedFiles(t, e); n != want {
				t.Errorf("%s left %d files in the store, want %d", what, n, want)
			}
			if n := int(blobs.puts.Load()); n != want {
				t.Errorf("%s gave %d files to the store, want %d", what, n, want)
			}
		}
		wantFiles("an upload sent twice", 1)
		// The key with another file: that one is another upload, refused
		// as a key reused rather than taken for the first.
		must(t, upload("upload-key-1", pngBytes(t, 41, 41)), http.StatusUnprocessableEntity, "idempotency_key")
		if n := storedFiles(t, e); n != 1 {
			t.Errorf("a refused upload left %d files in the store, want 1", n)
		}

		// The case page's form: the key is the form's hidden field.
		desk := e.signedIn(kasuhara.RoleDesk)
		page := desk.get("/cases/" + id)
		m := regexp.MustCompile(`id="evidence-form"[^>]*>\s*<input type="hidden" name="idempotency_key" value="([0-9a-f]{32})"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatal("the evidence form carries no idempotency key before its file")
		}
		send := func() resp {
			body, ct := multipartBodyOrdered(t, [][2]string{{"idempotency_key", m[1]}}, "棚の写真.png", pngBytes(t, 50, 50))
			return desk.do("POST", "/cases/"+id+"/evidence", body, map[string]string{"Content-Type": ct})
		}
		a, b := send(), send()
		must(t, a, http.StatusSeeOther)
		must(t, b, http.StatusSeeOther)
		if a.header.Get("Location") != b.header.Get("Location") {
			t.Errorf("the repeat leads to %q, the first to %q", b.header.Get("Location"), a.header.Get("Location"))
		}
		wantFiles("two uploads, each sent twice", 2)
		// Back, another file chosen, sent with the finished key: nothing
		// kept, and the page names the file to choose again.
		body, ct := multipartBodyOrdered(t, [][2]string{{"idempotency_key", m[1]}}, "別の写真.png", pngBytes(t, 51, 51))
		r = desk.do("POST", "/cases/"+id+"/evidence", body, map[string]string{"Content-Type": ct})
		must(t, r, http.StatusUnprocessableEntity, "別の写真.png")
		if n := list(); n != 2 || blobs.puts.Load() != 2 {
			t.Errorf("another file with a finished key: %d files on the case, %d given to the store", n, blobs.puts.Load())
		}
	}, func(d *web.Deps) {
		blobs = &countingBlobs{Blobs: d.Blobs}
		d.Blobs = blobs
	})
}

// The admin's create-user form sent twice (a double tap, Back and send)
// answers the first result, the page with the one-time password of the
// person created, instead of "the address is taken"; a request for the
// desk role sent twice makes one request.
func TestCreateUserSubmitsOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admin := e.signedIn(kasuhara.RoleAdmin)
		form := url.Values{"name": {"二度 押す"}, "email": {"twice@acme.example"}, "role": {"employee"}, "idempotency_key": {"create-key-1"}}
		first := admin.post("/admin/users?org=acme", form)
		must(t, first, http.StatusCreated, `id="one-time-password"`)
		again := admin.post("/admin/users?org=acme", form)
		must(t, again, http.StatusCreated, `id="one-time-password"`, "twice@acme.example")
		secret := regexp.MustCompile(`<p class="secret">([^<]+)</p>`)
		a, b := secret.FindStringSubmatch(first.body), secret.FindStringSubmatch(again.body)
		if a == nil || b == nil || a[1] != b[1] {
			t.Errorf("the repeat shows another one-time password (%v, %v)", a, b)
		}
		if _, err := e.st.Authenticate(ctx, "twice@acme.example", strings.TrimSpace(a[1])); err != nil {
			t.Errorf("the password shown does not sign in: %v", err)
		}
		// Changed and sent with the key: a new submission, checked as usual.
		form.Set("email", "other@acme.example")
		must(t, admin.post("/admin/users?org=acme", form), http.StatusCreated, "other@acme.example")

		grant := url.Values{"name": {"新 窓口"}, "email": {"desk2@acme.example"}, "role": {"desk"}, "idempotency_key": {"create-key-2"}}
		must(t, admin.post("/admin/users?org=acme", grant), http.StatusAccepted)
		r := admin.post("/admin/users?org=acme", grant)
		must(t, r, http.StatusAccepted)
		mustNot(t, r, "すでに")
		list, err := e.st.GrantRequests(ctx, e.actor(kasuhara.RoleLegal), e.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("a grant asked twice made %d requests, want 1", len(list))
		}
	})
}

// multipartBodyOrdered is a multipart body of text fields in their order,
// then one file (as the browser sends a form: in the order of its fields).
func multipartBodyOrdered(t *testing.T, fields [][2]string, name string, data []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("files", name)
	fw.Write(data)
	mw.Close()
	return &b, mw.FormDataContentType()
}
