package document

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// ComplianceLine is one piece of evidence as a person reads it.
type ComplianceLine struct {
	Label string
	Value string
	Link  string
}

// ComplianceMeasure is one measure of an organisation as the compliance
// page and report show it, in the reader's language.
type ComplianceMeasure struct {
	Measure  string
	Heading  string
	Clause   string // the law's clause the measure answers
	Status   kasuhara.ComplianceStatus
	Label    string // the status in words
	Evidence []ComplianceLine
	Missing  []string
	NAReason string
}

// MaxComplianceNames is how many names of the people missing a measure
// lists: the others are counted ("and 12 more"); the acknowledgement and
// training reports list them all.
const MaxComplianceNames = 30

// ComplianceMeasures puts an organisation's measures (or a group's) into
// words: headings, statuses, evidence with dates in the organisation's
// zone and case figures as suppressed, and what is missing.
func ComplianceMeasures(l Locale, o kasuhara.OrgCompliance) []ComplianceMeasure {
	out := make([]ComplianceMeasure, 0, len(o.Rows))
	for _, r := range o.Rows {
		m := ComplianceMeasure{Measure: r.Measure, Heading: l.t("compliance.measure." + r.Measure), Clause: l.t("compliance.clause." + r.Measure),
			Status: r.Status, Label: l.t("compliance.status." + string(r.Status)), NAReason: r.NAReason}
		if r.Status == kasuhara.ComplianceNA && r.NAReason == "" {
			m.NAReason = l.t("compliance.na_default." + r.Measure)
		}
		for _, f := range r.Evidence {
			m.Evidence = append(m.Evidence, ComplianceLine{Label: l.t("compliance.fact." + f.Key), Value: l.factValue(f), Link: f.Link})
		}
		for _, g := range r.Missing {
			s := l.t("compliance.missing."+g.Key, map[string]any{"N": g.Count})
			if len(g.Names) > 0 {
				names := g.Names
				if len(names) > MaxComplianceNames {
					names = append(names[:MaxComplianceNames:MaxComplianceNames], l.t("compliance.more", map[string]any{"N": len(g.Names) - MaxComplianceNames}))
				}
				s += l.t("punct.colon") + strings.Join(names, l.t("compliance.list_sep"))
			}
			m.Missing = append(m.Missing, s)
		}
		out = append(out, m)
	}
	return out
}

// factValue is the value of a piece of evidence in words.
func (l Locale) factValue(f kasuhara.ComplianceFact) string {
	var parts []string
	if f.Text != "" {
		text := f.Text
		if l.lang() == "en" && f.TextEn != "" {
			text = f.TextEn
		}
		switch f.Key {
		case "anonymous_channel", "need_to_know":
			text = l.t("compliance.value." + f.Text)
		}
		if f.Version > 0 {
			text = l.t("compliance.value.version", map[string]any{"Title": text, "V": f.Version})
		}
		parts = append(parts, text)
	}
	if f.Count != nil {
		if f.Of != nil {
			parts = append(parts, l.t("compliance.value.of", map[string]any{"N": f.Count.Shown(), "Of": f.Of.Shown()}))
		} else {
			parts = append(parts, f.Count.Shown())
		}
	}
	if f.Minutes != nil {
		parts = append(parts, l.durations(*f.Minutes))
	}
	if !f.Date.IsZero() {
		parts = append(parts, l.date(f.Date))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, l.t("compliance.value.sep"))
}

// ComplianceInput is what the compliance report prints.
type ComplianceInput struct {
	Locale
	// Org is the organisation's name (the parent's for a group).
	Org        string
	Compliance *kasuhara.Compliance
}

// ComplianceReport is the compliance of an organisation, or of a group
// and each of its organisations, as an A4 PDF: dated, with the head of
// the audit chain, and for each measure its status, evidence and what is
// missing.
func ComplianceReport(in ComplianceInput) (File, error) {
	c := in.Compliance
	if c == nil || len(c.Orgs) == 0 {
		return File{}, fmt.Errorf("document: compliance report: no figures")
	}
	l := in.Locale
	name := in.Org
	if c.Group != nil {
		name += " " + l.t("insight.and_group")
	}
	s := pdf.SummaryInput{Lang: l.lang(), Title: l.t("compliance.report_title", map[string]any{"Org": name}), Generated: l.in(c.At)}
	verified := l.t("compliance.never")
	if !c.AuditVerifiedAt.IsZero() {
		verified = l.date(c.AuditVerifiedAt)
	}
	s.Sections = append(s.Sections, pdf.Section{Facts: [][2]string{
		{l.t("compliance.report_date"), l.date(c.At)},
		{l.t("compliance.period"), l.t("compliance.period_value", map[string]any{"From": l.date(c.Since), "To": l.date(c.At)})},
		{l.t("compliance.audit_head"), fmt.Sprintf("%d · %s", c.AuditSeq, c.AuditHash)},
		{l.t("compliance.fact.audit_verified"), verified},
	}})
	add := func(title string, o kasuhara.OrgCompliance) {
		s.Sections = append(s.Sections, pdf.Section{Heading: title, Table: summaryTable(l, o)})
		for _, m := range ComplianceMeasures(l, o) {
			facts := [][2]string{{l.t("compliance.col.status"), m.Label}, {l.t("compliance.col.clause"), m.Clause}}
			if m.Status == kasuhara.ComplianceNA {
				facts = append(facts, [2]string{l.t("compliance.na_reason"), m.NAReason})
			}
			for _, e := range m.Evidence {
				facts = append(facts, [2]string{e.Label, e.Value})
			}
			for _, g := range m.Missing {
				facts = append(facts, [2]string{l.t("compliance.col.missing"), g})
			}
			s.Sections = append(s.Sections, pdf.Section{Heading: m.Heading, Facts: facts})
		}
	}
	if c.Group != nil {
		add(l.t("compliance.group_total"), *c.Group)
	}
	for _, o := range c.Orgs {
		add(o.OrgName, o)
	}
	s.Sections = append(s.Sections, pdf.Section{Text: l.t("compliance.suppression")})
	b, err := pdf.CaseSummary(s)
	if err != nil {
		return File{}, fmt.Errorf("document: compliance report: %w", err)
	}
	return File{Name: "compliance-" + l.in(c.At).Format("2006-01-02") + ".pdf", Type: TypePDF, Data: b}, nil
}

// summaryTable is the measures of o with their statuses, one line each.
func summaryTable(l Locale, o kasuhara.OrgCompliance) *pdf.TableData {
	t := &pdf.TableData{Header: []string{l.t("compliance.col.measure"), l.t("compliance.col.status")}, Widths: []float64{3, 1}}
	for _, m := range ComplianceMeasures(l, o) {
		t.Rows = append(t.Rows, []string{m.Heading, m.Label})
	}
	return t
}

// ComplianceDate is a date of the compliance page in the organisation's
// zone, as people write it.
func ComplianceDate(l Locale, t time.Time) string { return l.date(t) }
