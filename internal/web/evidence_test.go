package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
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

	es, _ := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: id, Limit: 200})
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
	c := e.signedIn(kasuhara.RoleEmployee)
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
	cases, _, _ := e.st.Cases(ctx, e.actor(kasuhara.RoleDesk), kasuhara.CaseFilter{})
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	mustNot(t, c.get("/reports"), "pigeon")
	must(t, c.get("/reports"), 200, cases[0].Ref, "新規")
}

// TestSwappedEvidence copies another case's ciphertext over an evidence
// file (finding 7 of issue 16: it decrypted with the same key and was served
// and packed as genuine). The download stops before the client has the
// whole file, the package is refused naming the record, and both are
// logged without the file's name and audited.
func TestSwappedEvidence(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
		deskV := e.actor(kasuhara.RoleDesk)
		upload := func(name string, data []byte) (caseID string, ev kasuhara.Evidence) {
			t.Helper()
			id := decode(t, emp.call("POST", "/api/v1/reports", validReport()).body)["id"].(string)
			body, ct := multipartBody(t, nil, map[string][]byte{name: data})
			must(t, emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct}), 201)
			es, err := e.st.EvidenceList(ctx, deskV, id)
			if err != nil || len(es) != 1 {
				t.Fatalf("evidence = %v, %v", es, err)
			}
			return id, es[0]
		}
		mine := pngBytes(t, 300, 200)
		caseA, evA := upload("被害写真.png", mine)
		_, evB := upload("other.png", pngBytes(t, 310, 200))
		get := func(path string, hdr map[string]string) (int, []byte, error) {
			t.Helper()
			req, _ := http.NewRequest("GET", e.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+desk.tok)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			// A fresh connection each time: a client retries a GET
			// whose reused connection closed without an answer.
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			res, err := hc.Do(req)
			if err != nil {
				// The server ended the response before its header.
				return 0, nil, err
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			return res.StatusCode, b, err
		}
		download := "/api/v1/cases/" + caseA + "/evidence/" + evA.ID
		if status, b, err := get(download, nil); status != 200 || err != nil || !bytes.Equal(b, mine) {
			t.Fatalf("untouched download: %d, %d bytes, %v", status, len(b), err)
		}

		blobs := filepath.Join(e.data, "evidence")
		other, err := os.ReadFile(filepath.Join(blobs, evB.BlobID[:2], evB.BlobID))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(blobs, evA.BlobID[:2], evA.BlobID), other, 0o600); err != nil {
			t.Fatal(err)
		}

		status, b, err := get(download, nil)
		if err == nil {
			t.Fatalf("the swapped file was served whole: %d, %d bytes", status, len(b))
		}
		if len(b) >= len(other) {
			t.Fatalf("the client received %d bytes of the %d-byte swapped file", len(b), len(other))
		}
		if status, b, _ := get(download, map[string]string{"Range": "bytes=0-99"}); status != http.StatusConflict || !strings.Contains(string(b), evA.ID) {
			t.Fatalf("range of the swapped file: %d %.300s", status, b)
		}

		r := desk.call("GET", "/api/v1/cases/"+caseA+"/package?lang=en", nil)
		if r.status != http.StatusConflict || r.header.Get("Content-Type") == "application/zip" {
			t.Fatalf("package with the swapped file: %d %s", r.status, r.header.Get("Content-Type"))
		}
		var apiErr struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.body), &apiErr); err != nil || !strings.Contains(apiErr.Error.Fields["evidence"], evA.ID) {
			t.Fatalf("package error does not name the evidence record: %s", r.body)
		}

		entries, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: caseA})
		if err != nil {
			t.Fatal(err)
		}
		during := map[string]int{}
		for _, a := range entries {
			if a.Action == "evidence.mismatch" && strings.Contains(a.Detail, evA.ID) {
				var d map[string]string
				json.Unmarshal([]byte(a.Detail), &d)
				during[d["during"]]++
			}
		}
		if during["download"] != 2 || during["package"] != 1 {
			t.Fatalf("audited mismatches = %v, want 2 downloads and 1 package", during)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "evidence does not match its recorded hash") || !strings.Contains(logs, evA.ID) {
			t.Fatalf("the mismatch is not logged:\n%s", logs)
		}
		if strings.Contains(logs, "被害写真") {
			t.Fatal("the log names the file")
		}
	})
}
