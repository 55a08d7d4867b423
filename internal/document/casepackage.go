package document

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/casepackage"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// CaseInput is a case with what happened to it, for its summary.
type CaseInput struct {
	Locale
	// Now is when the summary is made, printed under the title.
	Now  time.Time
	Case *kasuhara.Case
	// Timeline is the case's events, oldest first.
	Timeline []kasuhara.Event
	// Assessments are the case's assessments, the latest first; the
	// summary shows the latest.
	Assessments []kasuhara.Assessment
	Evidence    []kasuhara.Evidence
	Referrals   []kasuhara.Referral
	Care        []kasuhara.CareAction
	// Names maps user ids to the names printed for the people who acted.
	Names map[string]string
}

// CaseSummary is the summary of a case as a PDF: the report as filed, the
// latest assessment, the timeline, the measures taken (referrals, care)
// and the evidence files with their SHA-256 hashes.
func CaseSummary(in CaseInput) (File, error) {
	b, err := pdf.CaseSummary(caseSections(in, "package.title"))
	if err != nil {
		return File{}, fmt.Errorf("document: case summary: %w", err)
	}
	return File{Name: "summary.pdf", Type: TypePDF, Data: b}, nil
}

// ManagementSummary is the printable summary of a case for reporting to
// management (A4, dates in the organisation's zone): the same sections as
// the evidence package's summary under its own title, named after the
// case's reference. What it holds is what in holds: the caller leaves out
// what the reader may not read (the care record).
func ManagementSummary(in CaseInput) (File, error) {
	b, err := pdf.CaseSummary(caseSections(in, "summary.title"))
	if err != nil {
		return File{}, fmt.Errorf("document: management summary: %w", err)
	}
	return File{Name: in.Case.Ref + "-summary.pdf", Type: TypePDF, Data: b}, nil
}

func caseSections(in CaseInput, title string) pdf.SummaryInput {
	t, format := in.t, in.dateTime
	c, r := in.Case, in.Case.Report
	var kinds []string
	for _, cat := range r.Categories {
		kinds = append(kinds, t("category."+string(cat)))
	}
	for _, st := range r.Subtypes {
		kinds = append(kinds, t("subtype."+st))
	}
	sections := []pdf.Section{factSection(t("case.report"), [][2]string{
		{t("case.ref"), c.Ref}, {t("case.occurred_at"), format(r.OccurredAt)}, {t("report.channel"), t("channel." + r.Channel)},
		{t("report.location"), r.Location}, {t("case.kinds"), strings.Join(kinds, "、")},
		{t("report.request_content"), r.RequestContent}, {t("report.conduct"), r.Conduct}, {t("report.harm"), r.Harm},
		{t("report.witnesses"), r.Witnesses}, {t("case.state"), t("state." + string(c.State))},
	})}
	if len(in.Assessments) > 0 {
		a := in.Assessments[0]
		var reasons []string
		for _, re := range a.MannerReasons {
			reasons = append(reasons, t("reason."+re))
		}
		sections = append(sections, factSection(t("case.assessment"), [][2]string{
			{t("assess.request"), t("request." + a.Request)}, {t("assess.manner"), t("manner." + a.Manner)},
			{t("assess.manner_reasons"), strings.Join(reasons, "、")}, {t("assess.verdict"), t("verdict." + a.Verdict)},
			{t("assess.rationale"), a.Rationale}, {t("admin.audit.actor"), in.Names[a.AssessorID] + " " + format(a.CreatedAt)},
		}))
	}
	var rows [][]string
	for _, e := range in.Timeline {
		rows = append(rows, []string{format(e.At), t("event." + e.Kind), in.Names[e.ActorID], e.Body})
	}
	sections = append(sections, pdf.Section{Heading: t("case.timeline"), Table: &pdf.TableData{
		Header: []string{t("admin.audit.at"), t("admin.audit.action"), t("admin.audit.actor"), t("case.note")}, Rows: rows, Widths: []float64{2, 2, 2, 5}}})
	var measures [][]string
	for _, rf := range in.Referrals {
		measures = append(measures, []string{format(rf.ReferredAt), t("referral.kind." + rf.Kind), rf.Organisation + " " + rf.Reference, rf.Outcome})
	}
	for _, ca := range in.Care {
		done := t("case.care_not_yet")
		if !ca.DoneAt.IsZero() {
			done = format(ca.DoneAt)
		}
		measures = append(measures, []string{format(ca.CreatedAt), t("care." + ca.Kind), ca.Note, done})
	}
	if len(measures) > 0 {
		sections = append(sections, pdf.Section{Heading: t("package.measures"), Table: &pdf.TableData{
			Header: []string{t("admin.audit.at"), t("case.care_kind"), t("case.care_note"), t("package.outcome")}, Rows: measures, Widths: []float64{2, 2, 4, 3}}})
	}
	var files [][]string
	for i, e := range in.Evidence {
		files = append(files, []string{fmt.Sprint(i + 1), e.Filename, Size(e.Size), format(e.UploadedAt), e.SHA256})
	}
	sections = append(sections, pdf.Section{Heading: t("case.evidence"), Table: &pdf.TableData{
		Header: []string{"#", t("evidence.file"), t("evidence.size"), t("evidence.received"), "SHA-256"}, Rows: files, Widths: []float64{0.6, 3, 1.3, 2.2, 5}}})
	return pdf.SummaryInput{Lang: in.lang(), Title: t(title) + " " + c.Ref, Generated: in.in(in.Now), Sections: sections}
}

// factSection is a section of label/value pairs without the empty ones.
func factSection(heading string, facts [][2]string) pdf.Section {
	var kept [][2]string
	for _, f := range facts {
		if strings.TrimSpace(f[1]) != "" {
			kept = append(kept, f)
		}
	}
	return pdf.Section{Heading: heading, Facts: kept}
}

// PackageInput is a case's evidence package: the case and its summary's
// facts, the audit entries, who makes the package and for whom.
type PackageInput struct {
	CaseInput
	// Audit is the case's audit entries.
	Audit []kasuhara.AuditEntry
	// By is the person who makes the package, For its recipient (such as
	// "新宿警察署 生活安全課", may be empty).
	By  *kasuhara.User
	For string
	// CareReason is why legal included the employee's care record (in
	// CaseInput.Care); empty when it is left out. The manifest records it.
	CareReason string
	// Generator names the program and its version.
	Generator string
	// Open opens an evidence file's content by its blob id, decrypted.
	Open func(blobID string) (io.ReadCloser, error)
}

// CasePackage is a case's evidence package, a ZIP: the summary (drawn
// now), the timeline and audit entries as JSON, every evidence file as
// received (read as the ZIP is written) and the manifest with each file's
// SHA-256. The file is streamed: nothing is held whole in memory.
func CasePackage(in PackageInput) (File, error) {
	summary, err := CaseSummary(in.CaseInput)
	if err != nil {
		return File{}, err
	}
	c := in.Case
	pkg := casepackage.Package{
		Record: casepackage.Record{CaseID: c.ID, CaseRef: c.Ref, CreatedBy: in.By.Name + " <" + in.By.Email + ">", CreatedAt: in.Now.UTC(),
			For: in.For, CareReason: in.CareReason, Generator: in.Generator},
		Summary: summary.Data, Timeline: timelineOf(in.Timeline), Audit: in.Audit,
	}
	for _, e := range in.Evidence {
		pkg.Files = append(pkg.Files, casepackage.File{Name: e.Filename, SHA256: e.SHA256, Modified: e.UploadedAt,
			Open: func() (io.ReadCloser, error) { return in.Open(e.BlobID) }})
	}
	return File{Name: c.Ref + ".zip", Type: TypeZIP, stream: func(w io.Writer) error {
		_, err := casepackage.Write(w, pkg)
		return err
	}}, nil
}

// Event is an event as the API shows it (GET /api/v1/cases/{id}/timeline),
// and as the case package's timeline.json holds it.
type Event struct {
	ID      string            `json:"id"`
	At      time.Time         `json:"at"`
	ActorID string            `json:"actor_id,omitempty"`
	Kind    string            `json:"kind"`
	Body    string            `json:"body,omitempty"`
	Data    map[string]string `json:"data,omitempty"`
}

// EventOf is e in the API's shape.
func EventOf(e kasuhara.Event) Event {
	return Event{ID: e.ID, At: e.At, ActorID: e.ActorID, Kind: e.Kind, Body: e.Body, Data: e.Data}
}

func timelineOf(es []kasuhara.Event) []Event {
	out := make([]Event, 0, len(es))
	for _, e := range es {
		out = append(out, EventOf(e))
	}
	return out
}
