package document

import (
	"iter"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
)

// MaxExportRows is the most cases one export holds.
const MaxExportRows = 100_000

// CasesInput is the cases of an export.
type CasesInput struct {
	Locale
	// Now dates the file name.
	Now time.Time
	// Departments maps the organisation's department ids to their names.
	Departments map[string]string
	// Cases yields the cases to export, those the caller may see, in the
	// order of the list; it is read up to MaxExportRows cases or its first
	// error.
	Cases iter.Seq2[kasuhara.Case, error]
}

// caseColumns are the columns of a case export: facts and dates, never a
// narrative or a customer's identity.
var caseColumns = []string{"ref", "reported_at", "occurred_at", "state", "urgent", "channel", "department", "categories", "subtypes", "verdict",
	"acknowledged_at", "resolved_at", "closed_at", "origin"}

// CasesTable lays the cases out one a row under a header.
func CasesTable(in CasesInput) (Table, error) {
	header := make([]string, len(caseColumns))
	for i, c := range caseColumns {
		header[i] = in.t("export.col." + c)
	}
	rows := [][]string{header}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return in.in(t).Format("2006-01-02 15:04")
	}
	for c, err := range in.Cases {
		if err != nil {
			return Table{}, err
		}
		var cats, subs []string
		for _, x := range c.Report.Categories {
			cats = append(cats, in.t("category."+string(x)))
		}
		for _, x := range c.Report.Subtypes {
			subs = append(subs, in.t("subtype."+x))
		}
		verdict := ""
		if c.Verdict != "" {
			verdict = in.t("verdict." + c.Verdict)
		}
		urgent := ""
		if c.Urgent {
			urgent = in.t("export.yes")
		}
		// How the case came in, when not by its reporter's own report:
		// imported from the old ledger, or taken on behalf.
		origin := ""
		switch {
		case c.Imported:
			origin = in.t("export.origin.imported")
		case c.RecordedBy != "":
			origin = in.t("export.origin.on_behalf")
		}
		rows = append(rows, []string{c.Ref, ts(c.CreatedAt), ts(c.Report.OccurredAt), in.t("state." + string(c.State)), urgent,
			in.t("channel." + c.Report.Channel), in.Departments[c.Report.DepartmentID], strings.Join(cats, "、"), strings.Join(subs, "、"), verdict,
			ts(c.AcknowledgedAt), ts(c.ResolvedAt), ts(c.ClosedAt), origin})
		if len(rows) > MaxExportRows {
			break
		}
	}
	return Table{Name: "cases-" + in.in(in.Now).Format("20060102"), Sheet: in.t("export.cases_sheet"), Rows: rows}, nil
}
