package document

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/testpdf"
)

// locale is the catalogue in lang and the organisation's zone, JST.
func locale(t *testing.T, lang string) Locale {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return Locale{Loc: cat.Localizer(lang), Zone: calendar.JST}
}

// messageID looks like a catalogue id that was printed untranslated.
var messageID = regexp.MustCompile(`^[a-z_]+(\.[a-z_0-9]+)+$`)

// checkLabels fails on a label that is a message id: missing from the
// catalogue in the document's language.
func checkLabels(t *testing.T, labels ...string) {
	t.Helper()
	for _, l := range labels {
		if messageID.MatchString(l) {
			t.Errorf("untranslated label %q", l)
		}
	}
}

// pdfText is a PDF's text as pdftotext lays it out, without white space;
// "" when pdftotext is not installed.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	text, _ := testpdf.Text(t, data, "-layout")
	return testpdf.Squash(text)
}

// wantPDF fails unless a document was made (err is nil) as a PDF file
// named name.
func wantPDF(t *testing.T, f File, err error, name string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != name || f.Type != TypePDF || !strings.HasPrefix(string(f.Data), "%PDF") {
		t.Fatalf("file %q of type %q, %.8q", f.Name, f.Type, f.Data)
	}
}

// checkPDF looks for each want (white space ignored) in a PDF's text and
// fails on each mustNot.
func checkPDF(t *testing.T, data []byte, wants, mustNots []string) {
	t.Helper()
	text := pdfText(t, data)
	if text == "" {
		return
	}
	for _, w := range wants {
		if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("the PDF lacks %q:\n%.1500s", w, text)
		}
	}
	for _, w := range mustNots {
		if strings.Contains(text, strings.Join(strings.Fields(w), "")) {
			t.Errorf("the PDF holds %q", w)
		}
	}
}

func TestMinutes(t *testing.T) {
	tests := []struct {
		m      int
		ja, en string
	}{
		{0, "0分", "0 min"},
		{119, "119分", "119 min"},
		{120, "2時間0分", "2 h 0 min"},
		{2*24*60 - 1, "47時間59分", "47 h 59 min"},
		{2 * 24 * 60, "2日0時間", "2 d 0 h"},
		{3*24*60 + 5*60, "3日5時間", "3 d 5 h"},
	}
	for _, tt := range tests {
		if got := Minutes(tt.m, "ja"); got != tt.ja {
			t.Errorf("Minutes(%d, ja) = %q, want %q", tt.m, got, tt.ja)
		}
		if got := Minutes(tt.m, "en"); got != tt.en {
			t.Errorf("Minutes(%d, en) = %q, want %q", tt.m, got, tt.en)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDatesInTheOrganisationsZone(t *testing.T) {
	// 20:30 UTC on 31 March is 1 April in Japan.
	at := time.Date(2026, 3, 31, 20, 30, 0, 0, time.UTC)
	tests := []struct {
		lang, date, dateTime string
	}{
		{"ja", "2026年4月1日", "2026年4月1日 05:30"},
		{"en", "1 April 2026", "1 Apr 2026 05:30"},
	}
	for _, tt := range tests {
		l := locale(t, tt.lang)
		if got := l.date(at); got != tt.date {
			t.Errorf("%s: date = %q, want %q", tt.lang, got, tt.date)
		}
		if got := l.dateTime(at); got != tt.dateTime {
			t.Errorf("%s: dateTime = %q, want %q", tt.lang, got, tt.dateTime)
		}
		if got := l.dateTime(time.Time{}); got != "" {
			t.Errorf("%s: dateTime(zero) = %q, want empty", tt.lang, got)
		}
	}
}
