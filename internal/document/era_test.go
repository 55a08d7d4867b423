package document

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestLettersWriteTheOrganisationsDateStyle: with 和暦 chosen, a Japanese
// letter writes its own date and the dates in its text in the era; with
// 西暦 (the default) or in English, never.
func TestLettersWriteTheOrganisationsDateStyle(t *testing.T) {
	tests := []struct {
		name, lang, style string
		wants, mustNots   []string
	}{
		// The letter is dated 1 May 2026 in Japan, the incident 10 April.
		{"ja era", "ja", kasuhara.DateStyleEra, []string{"令和8年5月1日", "令和8年4月10日"}, []string{"2026年5月1日", "2026年4月10日"}},
		{"ja western", "ja", kasuhara.DateStyleWestern, []string{"2026年5月1日", "2026年4月10日"}, []string{"令和"}},
		{"en era", "en", kasuhara.DateStyleEra, []string{"1 May 2026", "10 April 2026"}, []string{"令和"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/warning letter", func(t *testing.T) {
			in := letterInput(t, tt.lang)
			in.Locale = in.Locale.WithDates(tt.style)
			checkPDF(t, must(t)(MeasureLetter(in)).Data, tt.wants, tt.mustNots)
		})
		t.Run(tt.name+"/removal request", func(t *testing.T) {
			tmpl := kasuhara.DefaultRemovalTemplate("o-1", tt.lang)
			in := RemovalInput{Locale: locale(t, tt.lang).WithDates(tt.style), Now: time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC),
				Org: "株式会社アクメ", Template: &tmpl,
				Post: &kasuhara.OnlinePost{Platform: "Example SNS", URL: "https://example.com/p/1",
					PostedAt: time.Date(2026, 4, 9, 15, 30, 0, 0, time.UTC), CapturedAt: time.Date(2026, 4, 9, 15, 30, 0, 0, time.UTC)}}
			checkPDF(t, must(t)(RemovalRequest(in)).Data, tt.wants[:1], tt.mustNots[:1])
		})
	}
}

func TestLocaleEraDates(t *testing.T) {
	// 15:00 UTC on 30 April 2019 is 00:00 on 1 May in Japan: 令和元年.
	at := time.Date(2019, 4, 30, 15, 0, 0, 0, time.UTC)
	l := locale(t, "ja").WithDates(kasuhara.DateStyleEra)
	if got, want := l.date(at), "令和元年5月1日"; got != want {
		t.Errorf("date = %q, want %q", got, want)
	}
	if got, want := l.dateTime(at.Add(-time.Minute)), "平成31年4月30日 23:59"; got != want {
		t.Errorf("dateTime = %q, want %q", got, want)
	}
	if got, want := l.WithDates(kasuhara.DateStyleWestern).date(at), "2019年5月1日"; got != want {
		t.Errorf("western date = %q, want %q", got, want)
	}
}
