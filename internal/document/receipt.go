package document

import (
	"strings"
	"time"
)

// TypeText is the media type of a plain text file.
const TypeText = "text/plain; charset=utf-8"

// ReceiptText is the receipt of an anonymous report as a small text file
// the reporter keeps (issue 18): the organisation, the receipt, where to
// follow up, and when the file was made, in the organisation's time zone.
// It starts with a byte order mark, so that Windows' Notepad reads the
// Japanese as UTF-8, and ends its lines with CR LF.
func ReceiptText(l Locale, orgName, receipt, statusURL string, now time.Time) File {
	lines := []string{
		l.t("anon.file_heading"),
		"",
		l.t("anon.file_org", map[string]any{"Org": orgName}),
		l.t("anon.file_receipt", map[string]any{"Receipt": receipt}),
		l.t("anon.file_where", map[string]any{"URL": statusURL}),
		l.t("anon.file_made", map[string]any{"At": l.dateTime(now)}),
		"",
		l.t("anon.receipt_explain"),
		l.t("anon.receipt_once"),
	}
	return File{Name: "kasuhara-receipt.txt", Type: TypeText,
		Data: []byte("\ufeff" + strings.Join(lines, "\r\n") + "\r\n")}
}
