// Package document builds the files that Kasuhara hands out: the annual
// report, the summary and evidence package of a case, the exports of
// statistics and cases as CSV and XLSX, and the letters to customers and
// platforms. It builds them from domain values that the caller has
// gathered through the services (and so has already checked who may see
// them); it fetches nothing and knows nothing of HTTP.
//
// Every label comes from the i18n catalogue in the document's language,
// and every date a person reads is printed in the organisation's time
// zone (see Locale). The drawing is internal/pdf's, the ZIP and its
// manifest internal/casepackage's.
package document

import (
	"fmt"
	"io"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// Locale is whom a document speaks to: the catalogue in the document's
// language and the time zone its dates are printed in.
type Locale struct {
	// Loc translates the labels; its Lang ("ja" or "en") is the
	// document's language. Required.
	Loc *i18n.Localizer
	// Zone is the organisation's time zone. Required where dates are
	// printed.
	Zone *time.Location
	// Era writes the dates of a Japanese document in the Japanese era
	// (和暦): 令和8年12月6日 instead of 2026年12月6日. The letters and
	// certificates follow the organisation's choice (see WithDates);
	// the other documents are 西暦.
	Era bool
}

// WithDates is l writing dates as the organisation chose for its letters
// and certificates (kasuhara.DateStyleEra or kasuhara.DateStyleWestern).
func (l Locale) WithDates(style string) Locale {
	l.Era = style == kasuhara.DateStyleEra
	return l
}

func (l Locale) lang() string { return l.Loc.Lang }

// t is the label id in the document's language.
func (l Locale) t(id string, data ...any) string { return l.Loc.T(id, data...) }

// in is t in the organisation's time zone.
func (l Locale) in(t time.Time) time.Time {
	if l.Zone == nil {
		return t
	}
	return t.In(l.Zone)
}

// date is a day as people write it: 2026年4月1日 (令和8年4月1日 with
// Era), 1 April 2026.
func (l Locale) date(t time.Time) string {
	return calendar.DateIn(t, l.Zone).Written(l.lang(), l.Era)
}

// dateTime is a moment as people write it, or "" for the zero time.
func (l Locale) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.lang() == "ja" {
		return l.date(t) + l.in(t).Format(" 15:04")
	}
	return l.in(t).Format("2 Jan 2006 15:04")
}

// letterPDF lays out a letter with its date written as the Locale writes
// dates (和暦 with Era).
func (l Locale) letterPDF(li pdf.LetterInput) ([]byte, error) {
	li.DateText = l.date(li.Date)
	return pdf.Letter(li)
}

// File is a built document: what a browser is offered to save.
type File struct {
	// Name is the file name offered, such as annual-report-2026.pdf.
	Name string
	// Type is the media type, such as application/pdf.
	Type string
	// Data is the whole file, unless it is streamed.
	Data []byte
	// stream writes a file too large to hold whole (a case package).
	stream func(io.Writer) error
}

// Media types of the files built here.
const (
	TypePDF  = "application/pdf"
	TypeZIP  = "application/zip"
	TypeCSV  = "text/csv; charset=utf-8"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Write writes the file to w. A streamed file may fail after it has begun:
// the part written is then broken (a case package will not verify).
func (f File) Write(w io.Writer) error {
	if f.stream != nil {
		return f.stream(w)
	}
	_, err := w.Write(f.Data)
	return err
}

// Minutes writes a duration in minutes as people read it in lang.
func Minutes(m int, lang string) string {
	h, d := m/60, m/(24*60)
	switch {
	case lang == "ja" && m < 120:
		return fmt.Sprintf("%d分", m)
	case lang == "ja" && m < 2*24*60:
		return fmt.Sprintf("%d時間%d分", h, m%60)
	case lang == "ja":
		return fmt.Sprintf("%d日%d時間", d, h%24)
	case m < 120:
		return fmt.Sprintf("%d min", m)
	case m < 2*24*60:
		return fmt.Sprintf("%d h %d min", h, m%60)
	default:
		return fmt.Sprintf("%d d %d h", d, h%24)
	}
}

// Size shows a file size in B, KiB or MiB.
func Size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
