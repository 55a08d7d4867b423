package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/casepackage"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// casePackage streams the evidence package of a case: a ZIP with the PDF
// summary, the timeline and audit entries, every evidence file decrypted,
// and the manifest. Desk and legal only; producing it is audited first.
func (s *Server) casePackage(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	actor := v.Actor
	ctx := r.Context()
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = langFrom(ctx)
	}
	if lang != "ja" && lang != "en" {
		return kasuhara.Invalid(kasuhara.FieldErrors{"lang": kasuhara.OneOf(kasuhara.Languages...)})
	}
	recipient := strings.TrimSpace(r.URL.Query().Get("for"))
	c, err := s.Cases.CaseByID(ctx, actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if caseLevel(actor, c) < access.CaseHandler {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the desk and legal produce a package")
	}
	if err := s.Referrals.RecordPackage(ctx, actor, c.ID, recipient); err != nil {
		return err
	}
	timeline, err := s.Cases.Timeline(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	assessments, err := s.Cases.Assessments(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	evidence, err := s.Cases.EvidenceList(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	referrals, err := s.Referrals.Referrals(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	care, err := s.Cases.CareActions(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	entries, err := s.Audit.AuditEntries(ctx, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Limit: 1000})
	if err != nil {
		return err
	}
	names, _, err := s.names(r, c.OrgID)
	if err != nil {
		return err
	}
	now := s.Now()
	summary, err := pdf.CaseSummary(s.summaryInput(lang, c, timeline, assessments, evidence, referrals, care, names))
	if err != nil {
		return err
	}
	pkg := casepackage.Package{
		Record: casepackage.Record{CaseID: c.ID, CaseRef: c.Ref, CreatedBy: v.User.Name + " <" + v.User.Email + ">", CreatedAt: now.UTC(),
			For: recipient, Generator: "kasuhara " + s.Version},
		Summary: summary, Timeline: timelineOut(timeline), Audit: entries,
	}
	for _, e := range evidence {
		pkg.Files = append(pkg.Files, casepackage.File{Name: e.Filename, SHA256: e.SHA256, Modified: e.UploadedAt,
			Open: func() (io.ReadCloser, error) { return s.Blobs.Open(e.BlobID) }})
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": c.Ref + ".zip"}))
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := casepackage.Write(w, pkg); err != nil {
		// The response has begun: the broken ZIP will not verify.
		s.Logger.Error("package", "request_id", requestID(ctx), "err", err)
	}
	return nil
}

func timelineOut(es []kasuhara.Event) []eventJSON {
	out := make([]eventJSON, 0, len(es))
	for _, e := range es {
		out = append(out, eventOut(e))
	}
	return out
}

// summaryInput lays out the case for the PDF summary: the report as filed,
// the assessment, the timeline, the measures taken and the evidence list.
func (s *Server) summaryInput(lang string, c *kasuhara.Case, timeline []kasuhara.Event, assessments []kasuhara.Assessment,
	evidence []kasuhara.Evidence, referrals []kasuhara.Referral, care []kasuhara.CareAction, names map[string]string) pdf.SummaryInput {
	loc := s.Catalog.Localizer(lang)
	t := loc.T
	format := func(tm time.Time) string {
		if tm.IsZero() {
			return ""
		}
		if lang == "ja" {
			return tm.In(calendar.JST).Format("2006年1月2日 15:04")
		}
		return tm.In(calendar.JST).Format("2 Jan 2006 15:04")
	}
	r := c.Report
	var kinds []string
	for _, cat := range r.Categories {
		kinds = append(kinds, t("category."+string(cat)))
	}
	for _, st := range r.Subtypes {
		kinds = append(kinds, t("subtype."+st))
	}
	report := pdfSection(t("case.report"), [][2]string{
		{t("case.ref"), c.Ref}, {t("case.occurred_at"), format(r.OccurredAt)}, {t("report.channel"), t("channel." + r.Channel)},
		{t("report.location"), r.Location}, {t("case.kinds"), strings.Join(kinds, "、")},
		{t("report.request_content"), r.RequestContent}, {t("report.conduct"), r.Conduct}, {t("report.harm"), r.Harm},
		{t("report.witnesses"), r.Witnesses}, {t("case.state"), t("state." + string(c.State))},
	})
	sections := []pdf.Section{report}
	if len(assessments) > 0 {
		a := assessments[0]
		var reasons []string
		for _, re := range a.MannerReasons {
			reasons = append(reasons, t("reason."+re))
		}
		sections = append(sections, pdfSection(t("case.assessment"), [][2]string{
			{t("assess.request"), t("request." + a.Request)}, {t("assess.manner"), t("manner." + a.Manner)},
			{t("assess.manner_reasons"), strings.Join(reasons, "、")}, {t("assess.verdict"), t("verdict." + a.Verdict)},
			{t("assess.rationale"), a.Rationale}, {t("admin.audit.actor"), names[a.AssessorID] + " " + format(a.CreatedAt)},
		}))
	}
	var rows [][]string
	for _, e := range timeline {
		rows = append(rows, []string{format(e.At), t("event." + e.Kind), names[e.ActorID], e.Body})
	}
	sections = append(sections, pdf.Section{Heading: t("case.timeline"), Table: &pdf.TableData{
		Header: []string{t("admin.audit.at"), t("admin.audit.action"), t("admin.audit.actor"), t("case.note")}, Rows: rows, Widths: []float64{2, 2, 2, 5}}})
	var measures [][]string
	for _, rf := range referrals {
		measures = append(measures, []string{format(rf.ReferredAt), t("referral.kind." + rf.Kind), rf.Organisation + " " + rf.Reference, rf.Outcome})
	}
	for _, ca := range care {
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
	for i, e := range evidence {
		files = append(files, []string{fmt.Sprint(i + 1), e.Filename, formatBytes(e.Size), format(e.UploadedAt), e.SHA256})
	}
	sections = append(sections, pdf.Section{Heading: t("case.evidence"), Table: &pdf.TableData{
		Header: []string{"#", t("evidence.file"), t("evidence.size"), t("evidence.received"), "SHA-256"}, Rows: files, Widths: []float64{0.6, 3, 1.3, 2.2, 5}}})
	return pdf.SummaryInput{Lang: lang, Title: t("package.title") + " " + c.Ref, Generated: s.Now(), Sections: sections}
}

func pdfSection(heading string, facts [][2]string) pdf.Section {
	var kept [][2]string
	for _, f := range facts {
		if strings.TrimSpace(f[1]) != "" {
			kept = append(kept, f)
		}
	}
	return pdf.Section{Heading: heading, Facts: kept}
}
