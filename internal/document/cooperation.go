package document

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// CooperationInput is the redacted summary of a case to share with another
// employer who asked for cooperation, or whom we asked (Art. 33(3)).
type CooperationInput struct {
	Locale
	// Now is when the summary is made.
	Now time.Time
	// Org is the name of our organisation, the sender.
	Org string
	// Summary holds only the fields the handler chose; the store has
	// already left the reporter out unless they consented.
	Summary *kasuhara.SharedSummary
}

// CooperationSummary is the shared summary as a PDF (A4, dates in the
// organisation's zone): who shares it with whom, then the chosen fields
// and a note of what was left out.
func CooperationSummary(in CooperationInput) (File, error) {
	if in.Summary == nil {
		return File{}, fmt.Errorf("document: cooperation summary: no summary")
	}
	b, err := pdf.CaseSummary(in.CooperationSections())
	if err != nil {
		return File{}, fmt.Errorf("document: cooperation summary: %w", err)
	}
	return File{Name: in.Summary.Request.Ref + "-summary.pdf", Type: TypePDF, Data: b}, nil
}

// CooperationSections are the summary's sections, also shown as the
// preview before the PDF is made.
func (in CooperationInput) CooperationSections() pdf.SummaryInput {
	t, sum := in.t, in.Summary
	req := sum.Request
	sections := []pdf.Section{factSection(t("cooperation.summary.parties"), [][2]string{
		{t("cooperation.summary.from"), in.Org}, {t("cooperation.summary.to"), req.Employer},
		{t("cooperation.ref"), req.Ref}, {t("cooperation.requested_at." + req.Direction), in.date(req.RequestedAt)},
	})}
	var facts [][2]string
	for _, fl := range sum.Fields {
		switch fl {
		case kasuhara.ShareDates:
			facts = append(facts, [2]string{t("case.occurred_at"), in.dateTime(sum.OccurredAt)})
		case kasuhara.SharePlace:
			facts = append(facts, [2]string{t("report.channel"), t("channel." + sum.Channel)}, [2]string{t("report.location"), sum.Location})
		case kasuhara.ShareCategories:
			var kinds []string
			for _, c := range sum.Categories {
				kinds = append(kinds, t("category."+string(c)))
			}
			for _, st := range sum.Subtypes {
				kinds = append(kinds, t("subtype."+st))
			}
			facts = append(facts, [2]string{t("case.kinds"), strings.Join(kinds, "、")})
		case kasuhara.ShareConduct:
			facts = append(facts, [2]string{t("report.request_content"), sum.Demand}, [2]string{t("report.conduct"), sum.Conduct})
		case kasuhara.ShareReporter:
			facts = append(facts, [2]string{t("cooperation.summary.reporter"), strings.TrimSpace(sum.Reporter + " " + sum.ReporterDepartment)},
				[2]string{t("cooperation.summary.consent_at"), in.date(sum.ConsentAt)})
		}
	}
	sections = append(sections, factSection(t("cooperation.summary.facts"), facts))
	for _, fl := range sum.Fields {
		if fl != kasuhara.ShareMeasures {
			continue
		}
		var rows [][]string
		for _, m := range sum.Measures {
			rows = append(rows, []string{in.date(m.At), t(m.Kind)})
		}
		if len(rows) == 0 {
			rows = [][]string{{"", t("cooperation.summary.no_measures")}}
		}
		sections = append(sections, pdf.Section{Heading: t("package.measures"), Table: &pdf.TableData{
			Header: []string{t("admin.audit.at"), t("case.care_kind")}, Rows: rows, Widths: []float64{1, 3}}})
	}
	note := t("cooperation.summary.note")
	if sum.Reporter == "" {
		note += "\n" + t("cooperation.summary.no_reporter")
	}
	sections = append(sections, pdf.Section{Heading: t("cooperation.summary.about"), Text: note})
	return pdf.SummaryInput{Lang: in.lang(), Title: t("cooperation.summary.title"), Generated: in.in(in.Now), Sections: sections}
}
