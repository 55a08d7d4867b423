package web_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/casepackage"
	"github.com/kasuhara/kasuhara/internal/testpdf"
)

func TestEvidencePackage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
		r := emp.call("POST", "/api/v1/reports", validReport())
		id := decode(t, r.body)["id"].(string)
		files := map[string][]byte{"レジ前.png": pngBytes(t, 120, 80), "memo.png": pngBytes(t, 30, 30)}
		body, ct := multipartBody(t, nil, files)
		must(t, emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct}), 201)
		must(t, desk.call("POST", "/api/v1/cases/"+id+"/referrals", map[string]string{"kind": "police", "organisation": "新宿警察署", "reference": "受理第7号"}), 201)

		// Only desk and legal produce a package.
		must(t, emp.call("GET", "/api/v1/cases/"+id+"/package", nil), http.StatusForbidden)
		must(t, e.api(kasuhara.RoleAnalyst).call("GET", "/api/v1/cases/"+id+"/package", nil), http.StatusNotFound)
		must(t, e.api(kasuhara.RoleSupervisor).call("GET", "/api/v1/cases/"+id+"/package", nil), http.StatusNotFound)

		r = desk.call("GET", "/api/v1/cases/"+id+"/package?lang=ja&for="+"新宿警察署", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("package: %d %s %.300s", r.status, r.header.Get("Content-Type"), r.body)
		}
		zipped := []byte(r.body)
		res, err := casepackage.Verify(bytes.NewReader(zipped), int64(len(zipped)))
		if err != nil || !res.OK() {
			t.Fatalf("verify = %+v, %v", res, err)
		}
		if res.Manifest.Created.For != "新宿警察署" || !strings.Contains(res.Manifest.Created.CreatedBy, "User desk") {
			t.Fatalf("creation record = %+v", res.Manifest.Created)
		}
		// Exactly the case's files, byte for byte.
		zr, _ := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
		got := map[string][]byte{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			got[f.Name] = b
		}
		evidence := 0
		for name, b := range got {
			if !strings.HasPrefix(name, "evidence/") {
				continue
			}
			evidence++
			orig := files[regexp.MustCompile(`^evidence/\d+-`).ReplaceAllString(name, "")]
			if !bytes.Equal(b, orig) {
				t.Errorf("%s differs from the uploaded file", name)
			}
		}
		if evidence != 2 {
			t.Fatalf("%d evidence files in the package, want 2", evidence)
		}
		for _, want := range []string{"summary.pdf", "timeline.json", "audit.json", "manifest.json"} {
			if _, ok := got[want]; !ok {
				t.Fatalf("package lacks %s", want)
			}
		}
		if !strings.Contains(string(got["timeline.json"]), `"kind": "referral"`) || !strings.Contains(string(got["audit.json"]), "case.package") {
			t.Fatal("timeline or audit entries incomplete")
		}
		sum := sha256.Sum256(files["memo.png"])
		if !strings.Contains(string(got["manifest.json"]), hex.EncodeToString(sum[:])) {
			t.Fatal("the manifest lacks the file's hash")
		}
		checkPDFText(t, got["summary.pdf"], "お前の家に行くぞ", "新宿警察署", hex.EncodeToString(sum[:])[:16])
	})
}

// checkPDFText checks that the PDF's text (read by pdftotext, white space
// ignored) holds every one of wants.
func checkPDFText(t *testing.T, pdfData []byte, wants ...string) {
	t.Helper()
	text, out, ok := pdfText(t, pdfData)
	for _, w := range wants {
		if ok && !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("the PDF lacks %q:\n%.1500s", w, out)
		}
	}
}

// checkPDFTextLacks is checkPDFText for text that must not be there.
func checkPDFTextLacks(t *testing.T, pdfData []byte, absent ...string) {
	t.Helper()
	text, _, ok := pdfText(t, pdfData)
	for _, a := range absent {
		if ok && strings.Contains(text, strings.Join(strings.Fields(a), "")) {
			t.Errorf("the PDF holds %q", a)
		}
	}
}

// pdfText is the PDF's text as pdftotext lays it out, and without white
// space; ok is false when pdftotext is not installed.
func pdfText(t *testing.T, pdfData []byte) (text, out string, ok bool) {
	t.Helper()
	out, ok = testpdf.Text(t, pdfData, "-layout")
	return testpdf.Squash(out), out, ok
}

// TestEvidencePackageWholeAudit: the package's audit.json held only the
// newest 1,000 of a case's entries, silently (finding 13 of issue 16).
func TestEvidencePackageWholeAudit(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
		deskV := e.actor(kasuhara.RoleDesk)
		id := decode(t, emp.call("POST", "/api/v1/reports", validReport()).body)["id"].(string)
		body, ct := multipartBody(t, nil, map[string][]byte{"memo.png": pngBytes(t, 30, 30)})
		must(t, emp.c.do("POST", "/api/v1/cases/"+id+"/evidence", body, map[string]string{"Authorization": "Bearer " + emp.tok, "Content-Type": ct}), 201)
		es, err := e.st.EvidenceList(ctx, deskV, id)
		if err != nil {
			t.Fatal(err)
		}
		const downloads = 1005
		for range downloads {
			if _, err := e.st.EvidenceByID(ctx, deskV, id, es[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		r := desk.call("GET", "/api/v1/cases/"+id+"/package?lang=en", nil)
		if r.status != 200 {
			t.Fatalf("package: %d %.300s", r.status, r.body)
		}
		zr, err := zip.NewReader(strings.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		f, err := zr.Open("audit.json")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		if got := strings.Count(string(b), `"evidence.download"`); got != downloads {
			t.Fatalf("audit.json holds %d of the %d downloads", got, downloads)
		}
		for _, want := range []string{`"case.create"`, `"case.package"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("audit.json lacks %s", want)
			}
		}
	})
}

// TestPackageLeavesCareOut is issue 16's finding 16: the evidence package
// for the police or a lawyer leaves the employee's care record out unless
// legal includes it with a reason, which the manifest and the audit record.
func TestPackageLeavesCareOut(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		emp, desk, legal := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk), e.api(kasuhara.RoleLegal)
		id := decode(t, emp.call("POST", "/api/v1/reports", validReport()).body)["id"].(string)
		must(t, desk.call("POST", "/api/v1/cases/"+id+"/care", map[string]string{"kind": "counselling", "note": "産業医面談 12月10日"}), 201)
		// The desk↔reporter messages (when, who wrote) go with the care
		// record: out unless legal includes it.
		must(t, desk.call("POST", "/api/v1/cases/"+id+"/messages", map[string]string{"body": "体調はいかがですか"}), 201)
		must(t, emp.call("POST", "/api/v1/cases/"+id+"/messages", map[string]string{"body": "眠れない日が続いています"}), 201)
		open := func(r resp) map[string]string {
			t.Helper()
			if r.status != 200 {
				t.Fatalf("package: %d %.300s", r.status, r.body)
			}
			zr, err := zip.NewReader(strings.NewReader(r.body), int64(len(r.body)))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				got[f.Name] = string(b)
			}
			return got
		}
		// By default: no care record, in the timeline or the summary.
		got := open(desk.call("GET", "/api/v1/cases/"+id+"/package?for=police", nil))
		if strings.Contains(got["timeline.json"], `"kind": "care"`) || strings.Contains(got["manifest.json"], "care_reason") {
			t.Fatalf("the package holds the care record:\n%s", got["timeline.json"])
		}
		if strings.Contains(got["timeline.json"], `"kind": "message"`) {
			t.Fatalf("the package holds the desk↔reporter messages:\n%s", got["timeline.json"])
		}
		for name, body := range got {
			if strings.Contains(body, "眠れない日が続いています") || strings.Contains(body, "体調はいかがですか") {
				t.Fatalf("%s holds a message's text", name)
			}
		}
		checkPDFTextLacks(t, []byte(got["summary.pdf"]), "産業医面談")
		// Only legal includes it, and only with a reason.
		must(t, desk.call("GET", "/api/v1/cases/"+id+"/package?care=include&care_reason=x", nil), http.StatusForbidden)
		must(t, legal.call("GET", "/api/v1/cases/"+id+"/package?care=include", nil), http.StatusUnprocessableEntity, "care_reason")
		got = open(legal.call("GET", "/api/v1/cases/"+id+"/package?care=include&care_reason="+url.QueryEscape("労災申請のため本人の同意を得て提出"), nil))
		if !strings.Contains(got["timeline.json"], `"kind": "care"`) || !strings.Contains(got["timeline.json"], `"kind": "message"`) ||
			!strings.Contains(got["manifest.json"], "労災申請のため本人の同意を得て提出") {
			t.Fatalf("legal's package lacks the care record or the reason:\n%s", got["manifest.json"])
		}
		checkPDFText(t, []byte(got["summary.pdf"]), "産業医面談")
		es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: id, Limit: 100})
		if err != nil || es[0].Action != "case.package" || !strings.Contains(es[0].Detail, "労災申請のため本人の同意を得て提出") {
			t.Fatalf("the audit lacks the reason: %+v %v", es[0], err)
		}
	})
}
