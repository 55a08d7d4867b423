package document

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara/internal/pdf"
)

// TypeText is the media type of a plain text file.
const TypeText = "text/plain; charset=utf-8"

// ReceiptText is the receipt of an anonymous report as a small text file
// the reporter keeps (issue 18): the organisation, the receipt, where to
// follow up, and when the file was made, in the organisation's time zone.
// It starts with a byte order mark, so that Windows' Notepad reads the
// Japanese as UTF-8, and ends its lines with CR LF.
func ReceiptText(l Locale, orgName, receipt, statusURL string, now time.Time) File {
	lines := append([]string{l.t("anon.file_heading"), ""}, receiptFacts(l, orgName, receipt, statusURL, now)...)
	lines = append(lines, "", l.t("anon.receipt_explain"), l.t("anon.receipt_once"))
	return File{Name: "kasuhara-receipt.txt", Type: TypeText,
		Data: []byte("\ufeff" + strings.Join(lines, "\r\n") + "\r\n")}
}

// receiptFacts are the lines of a receipt file: the organisation, the
// receipt, where to follow up, and when the file was made.
func receiptFacts(l Locale, orgName, receipt, statusURL string, now time.Time) []string {
	return []string{
		l.t("anon.file_org", map[string]any{"Org": orgName}),
		l.t("anon.file_receipt", map[string]any{"Receipt": receipt}),
		l.t("anon.file_where", map[string]any{"URL": statusURL}),
		l.t("anon.file_made", map[string]any{"At": l.dateTime(now)}),
	}
}

// ReceiptPDF is the same receipt as a one-page PDF, to keep or print.
func ReceiptPDF(l Locale, orgName, receipt, statusURL string, now time.Time) (File, error) {
	b, err := pdf.CaseSummary(pdf.SummaryInput{Lang: l.lang(), Title: l.t("anon.file_heading"), Generated: l.in(now),
		Sections: []pdf.Section{{Text: strings.Join(receiptFacts(l, orgName, receipt, statusURL, now), "\n")},
			{Text: l.t("anon.receipt_explain") + "\n" + l.t("anon.receipt_once")}}})
	if err != nil {
		return File{}, fmt.Errorf("document: receipt: %w", err)
	}
	return File{Name: "kasuhara-receipt.pdf", Type: TypePDF, Data: b}, nil
}
