package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/web"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody builds a multipart body of text fields and files.
func multipartBody(t *testing.T, fields map[string][]string, files map[string][]byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(data)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestEvidenceUploadAndDownload(t *testing.T) {
	e := newEnv(t, "sqlite", func(d *web.Deps) { d.MaxUpload = 1 << 20 })
	emp, desk, other := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk), e.api(kasuhara.RoleAdmin)
	r := emp.call("POST", "/api/v1/reports", validReport())
	must(t, r, 201)
	id := decode(t, r.body)["id"].(string)
	upload := func(a *apiClient, files map[string][]byte) resp {
		body, ct := multipartBody(t, nil, files)
		return a.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": ct})
	}
	img := pngBytes(t, 300, 300)
	sum := sha256.Sum256(img)
	r = upload(emp, map[string][]byte{"レジ前.png": img})
	must(t, r, 201, `"sha256":"`+hex.EncodeToString(sum[:])+`"`, `"media_type":"image/png"`, "レジ前.png")
	evID := decode(t, r.body)["evidence"].([]any)[0].(map[string]any)["id"].(string)

	// Type by content, not by name: an executable named .mp3 is refused.
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 200)...)
	must(t, upload(emp, map[string][]byte{"voice.mp3": elf}), http.StatusUnsupportedMediaType, `"unsupported_media_type"`, `"file"`)
	must(t, upload(emp, map[string][]byte{"page.jpg": []byte("<html><script>alert(1)</script></html>")}), http.StatusUnsupportedMediaType)
	must(t, upload(emp, map[string][]byte{"big.png": append(pngBytes(t, 10, 10), bytes.Repeat([]byte{1}, 2<<20)...)}), http.StatusRequestEntityTooLarge)
	must(t, emp.call("POST", "/api/v1/cases/"+id+"/evidence", map[string]string{"file": "x"}), http.StatusUnsupportedMediaType)
	// Someone who may not see the case cannot add to it either.
	must(t, upload(other, map[string][]byte{"x.png": img}), 404)

	// Download: whole and by range, for the reporter and the desk only.
	for _, a := range []*apiClient{emp, desk} {
		r := a.c.do("GET", "/api/v1/cases/"+id+"/evidence/"+evID, nil, map[string]string{"Authorization": "Bearer " + a.tok})
		if r.status != 200 || r.body != string(img) || r.header.Get("Content-Type") != "image/png" || !strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("download: %d %v", r.status, r.header)
		}
	}
	r = desk.c.do("GET", "/api/v1/cases/"+id+"/evidence/"+evID, nil, map[string]string{"Authorization": "Bearer " + desk.tok, "Range": "bytes=100-199"})
	if r.status != http.StatusPartialContent || r.body != string(img[100:200]) {
		t.Fatalf("range: %d, %d bytes", r.status, len(r.body))
	}
	must(t, other.call("GET", "/api/v1/cases/"+id+"/evidence/"+evID, nil), 404)
	must(t, emp.call("GET", "/api/v1/cases/"+id+"/evidence", nil), 200, evID)

	es, _ := e.st.AuditEntries(ctx, kasuhara.AuditFilter{ObjectID: id, Limit: 200})
	var up, down int
	for _, x := range es {
		switch x.Action {
		case "evidence.upload":
			up++
		case "evidence.download":
			down++
		}
		if strings.Contains(x.Detail, "レジ前") {
			t.Fatal("a file name in the audit detail")
		}
	}
	if up != 1 || down < 3 {
		t.Fatalf("audited %d uploads and %d downloads", up, down)
	}
}

func TestReportFormWithPhoto(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.client()
	c.signInAs(kasuhara.RoleEmployee)
	img := pngBytes(t, 50, 50)
	fields := map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"in_person"}, "subtypes": {"insult", "kneeling_demand"},
		"conduct": {"「土下座しろ」と大声で言われた"}, "duration_minutes": {"25"}}
	body, ct := multipartBody(t, fields, map[string][]byte{"photo.png": img})
	r := c.do("POST", "/report", body, map[string]string{"Content-Type": ct})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/cases/") {
		t.Fatalf("file report: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	page := c.get(strings.TrimSuffix(r.header.Get("Location"), "?filed=1"))
	must(t, page, 200, "土下座しろ", "photo.png", "報告を受け付けました", `<img src="/cases/`)
	// The reporter's view has no desk tools.
	mustNot(t, page, `id="assess-form"`, `id="assign-form"`, `id="timeline"`)

	// A bad report keeps what was typed and stores no file.
	fields["conduct"] = []string{""}
	fields["channel"] = []string{"pigeon"}
	body, ct = multipartBody(t, fields, map[string][]byte{"photo.png": img})
	r = c.do("POST", "/report", body, map[string]string{"Content-Type": ct})
	must(t, r, http.StatusUnprocessableEntity, "ファイルをもう一度選んでください", `value="25"`, "入力してください", "経路を選んでください")
	cases, _, _ := e.st.Cases(ctx, kasuhara.Actor{UserID: e.users[kasuhara.RoleDesk].ID, OrgID: e.org.ID, Role: kasuhara.RoleDesk}, kasuhara.CaseFilter{})
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	mustNot(t, c.get("/reports"), "pigeon")
	must(t, c.get("/reports"), 200, cases[0].Ref, "新規")
}
