package document

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestEveryDocumentsDatesNearMidnightInJapan renders each document with
// every date it prints at 14:30, 15:00 and 15:30 UTC (23:30, 00:00 and
// 00:30 in Japan) and reads the printed dates back: each is the day in
// Japan, never the day in UTC.
func TestEveryDocumentsDatesNearMidnightInJapan(t *testing.T) {
	for _, tt := range []struct {
		hour, min int
		jstDay    int // the day in Japan of an instant on 9 April UTC
	}{
		{14, 30, 9}, {15, 0, 10}, {15, 30, 10},
	} {
		at := func(month time.Month, day int) time.Time {
			return time.Date(2026, month, day, tt.hour, tt.min, 0, 0, time.UTC)
		}
		jst := func(month time.Month, day int) time.Time { return at(month, day).In(time.FixedZone("JST", 9*3600)) }
		for _, lang := range []string{"ja", "en"} {
			day := func(month time.Month, d int) string {
				j := jst(month, d)
				if lang == "ja" {
					return fmt.Sprintf("%d年%d月%d日", j.Year(), j.Month(), j.Day())
				}
				return j.Format("2 January 2006")
			}
			utcDay := func(month time.Month, d int) string {
				if lang == "ja" {
					return fmt.Sprintf("%d年%d月%d日", 2026, month, d)
				}
				return at(month, d).Format("2 January 2006")
			}
			name := fmt.Sprintf("%02d%02dUTC/%s", tt.hour, tt.min, lang)
			t.Run(name+"/warning letter", func(t *testing.T) {
				in := letterInput(t, lang)
				in.Now, in.Measure.ReviewAt = at(4, 20), at(10, 20)
				in.Cases[0].Report.OccurredAt = at(4, 9)
				want := []string{day(4, 20), day(4, 9)}
				checkDates(t, must(t)(MeasureLetter(in)), want, tt.jstDay, []string{utcDay(4, 20), utcDay(4, 9)})
			})
			t.Run(name+"/discontinuation letter", func(t *testing.T) {
				in := letterInput(t, lang)
				tmpl := kasuhara.DefaultLetterTemplate("o-1", "discontinuation", lang)
				in.Template, in.Measure.Level = &tmpl, kasuhara.LevelDiscontinued
				in.Now, in.Measure.ReviewAt, in.WarnedAt = at(4, 20), at(10, 20), at(3, 2)
				in.Cases[0].Report.OccurredAt = at(4, 9)
				// The review date (20 October) stays internal (TestLetterKeepsTheReviewDateInternal).
				want := []string{day(4, 20), day(4, 9), day(3, 2)}
				checkDates(t, must(t)(MeasureLetter(in)), want, tt.jstDay, []string{utcDay(4, 20), utcDay(4, 9), utcDay(10, 20), utcDay(3, 2)})
			})
			t.Run(name+"/removal request", func(t *testing.T) {
				tmpl := kasuhara.DefaultRemovalTemplate("o-1", lang)
				in := RemovalInput{Locale: locale(t, lang), Now: at(4, 20), Org: "株式会社アクメ",
					Post:     &kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: "SNS Example", PostedAt: at(4, 9), CapturedAt: at(4, 12)},
					Template: &tmpl}
				// The post's time is a date and time (issue 20).
				moment := func(month time.Month, d int) string {
					if lang == "ja" {
						return day(month, d) + " " + jst(month, d).Format("15:04")
					}
					return jst(month, d).Format("2 Jan 2006 15:04")
				}
				utcMoment := func(month time.Month, d int) string {
					if lang == "ja" {
						return utcDay(month, d)
					}
					return at(month, d).Format("2 Jan 2006")
				}
				want := []string{day(4, 20), moment(4, 9), moment(4, 12)}
				checkDates(t, must(t)(RemovalRequest(in)), want, tt.jstDay, []string{utcDay(4, 20), utcMoment(4, 9), utcMoment(4, 12)})
			})
			t.Run(name+"/cooperation summary", func(t *testing.T) {
				in := cooperationInput(t, lang)
				in.Now, in.Summary.Request.RequestedAt, in.Summary.OccurredAt = at(4, 20), at(4, 12), at(4, 9)
				in.Summary.Measures = []kasuhara.SharedMeasure{{At: at(4, 15), Kind: "referral.kind.police"}}
				occurred, occurredUTC := day(4, 9), utcDay(4, 9)
				if lang == "en" { // a moment: the short month
					occurred, occurredUTC = jst(4, 9).Format("2 Jan 2006"), at(4, 9).Format("2 Jan 2006")
				}
				want := []string{day(4, 20), day(4, 12), occurred, day(4, 15)}
				checkDates(t, must(t)(CooperationSummary(in)), want, tt.jstDay, []string{utcDay(4, 20), utcDay(4, 12), occurredUTC, utcDay(4, 15)})
			})
			t.Run(name+"/case summary", func(t *testing.T) {
				in := caseInput(t, lang)
				in.Now = at(4, 20)
				in.Case.CreatedAt, in.Case.Report.OccurredAt = at(4, 9), at(4, 9)
				for i := range in.Timeline {
					in.Timeline[i].At = at(4, 11)
				}
				for i := range in.Assessments {
					in.Assessments[i].CreatedAt = at(4, 11)
				}
				for i := range in.Evidence {
					in.Evidence[i].UploadedAt = at(4, 11)
				}
				for i := range in.Referrals {
					in.Referrals[i].ReferredAt = at(4, 11)
				}
				for i := range in.Care {
					in.Care[i].CreatedAt = at(4, 11)
				}
				text := pdfText(t, must(t)(CaseSummary(in)).Data)
				if text == "" {
					return
				}
				j := jst(4, 11)
				stamp := j.Format("15:04")
				if lang == "ja" {
					stamp = fmt.Sprintf("%d年%d月%d日%s", j.Year(), j.Month(), j.Day(), stamp)
				} else {
					stamp = strings.ReplaceAll(j.Format("2 Jan 2006 15:04"), " ", "")
				}
				if !strings.Contains(text, stamp) {
					t.Errorf("the summary lacks %q (11 April UTC in Japan):\n%.2000s", stamp, text)
				}
				if tt.jstDay == 10 {
					u := at(4, 11)
					utc := u.Format("15:04")
					if strings.Contains(text, utc) {
						t.Errorf("the summary prints the UTC time %s:\n%.2000s", utc, text)
					}
				}
			})
			t.Run(name+"/cases export", func(t *testing.T) {
				tbl, err := CasesTable(CasesInput{Locale: locale(t, lang), Now: at(4, 20),
					Cases: casesOf([]kasuhara.Case{{Ref: "K-1", State: kasuhara.StateClosed, CreatedAt: at(4, 9), ClosedAt: at(4, 11),
						Report: kasuhara.Report{OccurredAt: at(4, 8), Channel: "phone"}}}, nil, new(int))})
				if err != nil {
					t.Fatal(err)
				}
				row := strings.Join(tbl.Rows[1], "|")
				for _, d := range []time.Time{jst(4, 9), jst(4, 11), jst(4, 8)} {
					if want := d.Format("2006-01-02 15:04"); !strings.Contains(row, want) {
						t.Errorf("the row lacks %s: %s", want, row)
					}
				}
				if want := "cases-" + jst(4, 20).Format("20060102"); tbl.Name != want {
					t.Errorf("named %q, want %q", tbl.Name, want)
				}
			})
			t.Run(name+"/annual report", func(t *testing.T) {
				in := annualInput(t, lang)
				in.Now = at(4, 20)
				text := pdfText(t, must(t)(AnnualReport(in)).Data)
				if text == "" {
					return
				}
				j := jst(4, 20)
				want := j.Format("15:04JST")
				if !strings.Contains(text, strings.ReplaceAll(day(4, 20), " ", "")) || !strings.Contains(text, want) {
					t.Errorf("the report is not dated %s %s:\n%.600s", day(4, 20), want, text)
				}
			})
		}
	}
}

// must fails the test on a document that could not be built.
func must(t *testing.T) func(File, error) File {
	return func(f File, err error) File {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
}

// checkDates finds each date of want in a PDF; on an instant whose day in
// Japan differs from its day in UTC it also fails on each UTC day printed.
func checkDates(t *testing.T, f File, want []string, jstDay int, utc []string) {
	t.Helper()
	var mustNot []string
	if jstDay != 9 {
		mustNot = utc
	}
	checkPDF(t, f.Data, want, mustNot)
}
