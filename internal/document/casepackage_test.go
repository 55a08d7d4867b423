package document

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/casepackage"
)

var evidenceFiles = map[string][]byte{"b-1": []byte("\x89PNG レジ前"), "b-2": []byte("memo")}

func hashOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// caseInput is a case with a report, an assessment, a referral, care and
// two evidence files; its times are in UTC late in the evening, the next
// day in Japan.
func caseInput(t *testing.T, lang string) CaseInput {
	at := time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)
	c := &kasuhara.Case{ID: "c-1", Ref: "K-2026-00001", State: kasuhara.StateInProgress, CreatedAt: at,
		Report: kasuhara.Report{OccurredAt: at, Channel: "phone", Location: "", Conduct: "お前の家に行くぞ", Harm: "眠れない",
			Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}, Subtypes: []string{"threat"}}}
	return CaseInput{Locale: locale(t, lang), Now: at.Add(time.Hour), Case: c,
		Timeline: []kasuhara.Event{{ID: "e-1", At: at, ActorID: "u-desk", Kind: "referral", Body: "新宿警察署へ相談", Data: map[string]string{"kind": "police"}}},
		Assessments: []kasuhara.Assessment{{AssessorID: "u-legal", Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"threat"},
			Verdict: "harassment", Rationale: "脅迫にあたる", CreatedAt: at}, {Verdict: "legitimate_complaint", Rationale: "古い判断"}},
		Evidence: []kasuhara.Evidence{{BlobID: "b-1", Filename: "レジ前.png", Size: int64(len(evidenceFiles["b-1"])), SHA256: hashOf(evidenceFiles["b-1"]), UploadedAt: at},
			{BlobID: "b-2", Filename: "../memo.png", Size: 2048, SHA256: hashOf(evidenceFiles["b-2"]), UploadedAt: at}},
		Referrals: []kasuhara.Referral{{Kind: "police", Organisation: "新宿警察署", Reference: "受理第7号", ReferredAt: at}},
		Care:      []kasuhara.CareAction{{Kind: "counselling", Note: "産業医面談", CreatedAt: at}},
		Names:     map[string]string{"u-desk": "窓口 一郎", "u-legal": "法務 花子"}}
}

func TestCaseSummary(t *testing.T) {
	tests := []struct {
		lang       string
		title      string
		occurred   [2]string
		assessedBy string
		care       []string
		sizes      []string
	}{
		{"ja", "証拠パッケージ K-2026-00001", [2]string{"発生日時", "2026年4月1日 07:00"}, "法務 花子 2026年4月1日 07:00",
			[]string{"2026年4月1日 07:00", "産業医面談", "未実施"}, []string{"14 B", "2.0 KiB"}},
		{"en", "Evidence package K-2026-00001", [2]string{"Occurred", "1 Apr 2026 07:00"}, "法務 花子 1 Apr 2026 07:00",
			[]string{"1 Apr 2026 07:00", "産業医面談", "not yet"}, []string{"14 B", "2.0 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			s := caseSections(caseInput(t, tt.lang), "package.title")
			if s.Title != tt.title || s.Lang != tt.lang || !s.Generated.Equal(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)) || s.Generated.Location() != calendar.JST {
				t.Errorf("title %q, lang %s, generated %s", s.Title, s.Lang, s.Generated)
			}
			if len(s.Sections) != 5 {
				t.Fatalf("%d sections, want report, assessment, timeline, measures, evidence", len(s.Sections))
			}
			report, assessment := s.Sections[0].Facts, s.Sections[1].Facts
			if report[1] != tt.occurred {
				t.Errorf("occurred %q, want %q", report[1], tt.occurred)
			}
			for _, f := range append(report, assessment...) {
				if strings.TrimSpace(f[1]) == "" {
					t.Errorf("an empty fact is printed: %q", f)
				}
				checkLabels(t, f[0], f[1])
			}
			if got := assessment[len(assessment)-1][1]; got != tt.assessedBy {
				t.Errorf("assessed by %q, want the latest assessment's %q", got, tt.assessedBy)
			}
			if tl := s.Sections[2].Table.Rows; len(tl) != 1 || tl[0][2] != "窓口 一郎" {
				t.Errorf("timeline %q", tl)
			}
			measures := s.Sections[3].Table.Rows
			if len(measures) != 2 || measures[0][2] != "新宿警察署 受理第7号" || measures[1][0] != tt.care[0] || measures[1][2] != tt.care[1] || measures[1][3] != tt.care[2] {
				t.Errorf("measures %q", measures)
			}
			files := s.Sections[4].Table.Rows
			if len(files) != 2 || files[0][2] != tt.sizes[0] || files[1][2] != tt.sizes[1] || files[1][4] != hashOf(evidenceFiles["b-2"]) {
				t.Errorf("evidence %q", files)
			}
			for _, sec := range s.Sections {
				checkLabels(t, sec.Heading)
				if sec.Table != nil {
					checkLabels(t, sec.Table.Header...)
				}
			}
		})
	}
}

func TestCaseSummaryPDF(t *testing.T) {
	in := caseInput(t, "ja")
	in.Referrals, in.Care, in.Assessments = nil, nil, nil
	f, err := CaseSummary(in)
	wantPDF(t, f, err, "summary.pdf")
	// Without referrals or care there is no section of measures.
	if n := len(caseSections(in, "package.title").Sections); n != 3 {
		t.Errorf("%d sections, want report, timeline, evidence", n)
	}
	checkPDF(t, f.Data, []string{"お前の家に行くぞ", "新宿警察署へ相談", hashOf(evidenceFiles["b-1"])[:16], "作成日時：2026年4月1日 08:00 JST"}, []string{"古い判断"})
}

func TestCasePackage(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			opened := 0
			in := PackageInput{CaseInput: caseInput(t, lang), Audit: []kasuhara.AuditEntry{{Seq: 7, Action: "case.package"}},
				By: &kasuhara.User{Name: "窓口 一郎", Email: "desk@acme.example"}, For: "新宿警察署 生活安全課", Generator: "kasuhara test",
				Open: func(id string) (io.ReadCloser, error) {
					opened++
					return io.NopCloser(bytes.NewReader(evidenceFiles[id])), nil
				}}
			f, err := CasePackage(in)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != "K-2026-00001.zip" || f.Type != TypeZIP || opened != 0 {
				t.Fatalf("file %q of type %q, %d files opened before writing", f.Name, f.Type, opened)
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			res, err := casepackage.Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil || !res.OK() {
				t.Fatalf("verify = %+v, %v", res, err)
			}
			rec := res.Manifest.Created
			if rec.For != "新宿警察署 生活安全課" || rec.CreatedBy != "窓口 一郎 <desk@acme.example>" || rec.CaseRef != "K-2026-00001" ||
				rec.Generator != "kasuhara test" || rec.CreatedAt.Location() != time.UTC {
				t.Errorf("creation record %+v", rec)
			}
			zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, zf := range zr.File {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				got[zf.Name] = string(b)
			}
			for name, want := range map[string]string{"evidence/01-レジ前.png": string(evidenceFiles["b-1"]), "evidence/02-memo.png": "memo"} {
				if got[name] != want {
					t.Errorf("%s = %q, want %q", name, got[name], want)
				}
			}
			// timeline.json is in the API's shape.
			for _, want := range []string{`"id": "e-1"`, `"actor_id": "u-desk"`, `"kind": "referral"`, `"data": {`, `"at": "2026-03-31T22:00:00Z"`} {
				if !strings.Contains(got["timeline.json"], want) {
					t.Errorf("timeline.json lacks %s:\n%s", want, got["timeline.json"])
				}
			}
			if !strings.Contains(got["audit.json"], `"Action": "case.package"`) || !strings.HasPrefix(got["summary.pdf"], "%PDF") {
				t.Error("audit entries or summary missing")
			}
		})
	}
}

func TestCasePackageFailures(t *testing.T) {
	in := PackageInput{CaseInput: caseInput(t, "ja"), By: &kasuhara.User{Name: "x"},
		Open: func(string) (io.ReadCloser, error) { return nil, errors.New("blob gone") }}
	f, err := CasePackage(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(io.Discard); err == nil || !strings.Contains(err.Error(), "blob gone") {
		t.Errorf("write = %v, want the blob's error", err)
	}
	in.Now = time.Time{}
	if _, err := CasePackage(in); err == nil {
		t.Error("a package without a time was made")
	}
}

// The summary for management is the case summary under its own title,
// named after the case, with the dates in JST; what is left out of its
// input (the care record) is not in it.
func TestManagementSummaryPDF(t *testing.T) {
	for lang, title := range map[string]string{"ja": "事案の概要 K-2026-00001", "en": "Case summary K-2026-00001"} {
		t.Run(lang, func(t *testing.T) {
			in := caseInput(t, lang)
			care := in.Care
			in.Care = nil
			f, err := ManagementSummary(in)
			wantPDF(t, f, err, "K-2026-00001-summary.pdf")
			if got := caseSections(in, "summary.title").Title; got != title {
				t.Errorf("title %q, want %q", got, title)
			}
			var left []string
			for _, c := range care {
				left = append(left, c.Note)
			}
			wants := []string{title, "お前の家に行くぞ"}
			if lang == "ja" {
				wants = append(wants, "作成日時：2026年4月1日 08:00 JST")
			}
			checkPDF(t, f.Data, wants, left)
		})
	}
}
