package document

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// annualInput is a year of a group: the sample figures under every
// grouping, by month with a summary of times.
func annualInput(t *testing.T, lang string) AnnualInput {
	in := AnnualInput{Locale: locale(t, lang), Now: time.Date(2027, 1, 5, 1, 0, 0, 0, time.UTC), Year: 2026, Org: "アクメ", Group: true,
		Stats: map[string]*kasuhara.Stats{}, Departments: departments,
		Dashboard: &kasuhara.Dashboard{RepeatCustomers: kasuhara.StatCell{Count: 2, Suppressed: true},
			MeasuresInForce:  map[string]int{kasuhara.LevelWarned: 3, kasuhara.LevelBanned: 1},
			CareOffered:      map[string]kasuhara.StatCell{"counselling": {Count: 5}, "rest": {Count: 0}},
			CareDone:         map[string]kasuhara.StatCell{"counselling": {Count: 1, Suppressed: true}},
			TrainingComplete: map[string][2]int{"研修B": {3, 4}, "研修A": {10, 12}},
			PolicyAckRate:    map[string]int{"基本方針": 80}}}
	for _, g := range AnnualGroups {
		st := sampleStats()
		st.Query.GroupBy = g
		if g == "month" {
			for i := range st.Sum.Groups {
				st.Sum.Groups[i].Key = []string{"2026-04", "2026-05", "2026-06"}[i]
			}
			st.Sum.Ack = kasuhara.Durations{Count: 12, Median: 30, P90: 3000, OnTime: 11, OnTimeHidden: true}
			st.Sum.Resolve = kasuhara.Durations{Count: 2, Suppressed: true}
		}
		in.Stats[g] = st
	}
	return in
}

func TestAnnualFigures(t *testing.T) {
	tests := []struct {
		lang                      string
		title, ack, resolve, care string
		measures                  [][2]string
		months                    []pdf.Bar
		departments               []pdf.Bar
	}{
		{lang: "ja", title: "アクメ およびグループ会社 カスタマーハラスメント対策 年次報告 2026年",
			ack: "中央値 30分、90%が2日2時間以内、12件中*件が期限内", resolve: "<3", care: "5件中<3件実施",
			measures: [][2]string{{"警告", "3"}, {"出入り禁止", "1"}, {"2件以上の事案がある顧客", "<3"}},
			months:   []pdf.Bar{{Label: "2026-04", Text: "*", Hidden: true}, {Label: "2026-05", Text: "<3", Hidden: true}, {Label: "2026-06", Text: "11", Value: 11}},
			departments: []pdf.Bar{{Label: "新宿店", Text: "*", Hidden: true}, {Label: "コールセンター", Text: "<3", Hidden: true},
				{Label: "部署なし", Text: "11", Value: 11}}},
		{lang: "en", title: "アクメ and group companies: customer harassment, annual report 2026",
			ack: "median 30 min, 90% within 2 d 2 h; * of 12 within the deadline", resolve: "<3", care: "<3 of 5 done",
			measures: [][2]string{{"Warning", "3"}, {"Banned", "1"}, {"Customers with two or more cases", "<3"}},
			months:   []pdf.Bar{{Label: "2026-04", Text: "*", Hidden: true}, {Label: "2026-05", Text: "<3", Hidden: true}, {Label: "2026-06", Text: "11", Value: 11}},
			departments: []pdf.Bar{{Label: "新宿店", Text: "*", Hidden: true}, {Label: "コールセンター", Text: "<3", Hidden: true},
				{Label: "No department", Text: "11", Value: 11}}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			a, err := annualFigures(annualInput(t, tt.lang))
			if err != nil {
				t.Fatal(err)
			}
			if a.title != tt.title || a.cases != "*" || a.ack != tt.ack || a.resolve != tt.resolve {
				t.Errorf("title %q, cases %q, ack %q, resolve %q", a.title, a.cases, a.ack, a.resolve)
			}
			if len(a.groups) != len(AnnualGroups) {
				t.Fatalf("%d groups, want %d", len(a.groups), len(AnnualGroups))
			}
			if got := a.groups[0].bars; !slices.Equal(got, tt.months) {
				t.Errorf("months %+v, want %+v", got, tt.months)
			}
			if got := a.groups[4].bars; !slices.Equal(got, tt.departments) {
				t.Errorf("departments %+v, want %+v", got, tt.departments)
			}
			if !slices.Equal(a.measures, tt.measures) {
				t.Errorf("measures %q, want %q", a.measures, tt.measures)
			}
			if len(a.care) != 1 || a.care[0][1] != tt.care {
				t.Errorf("care %q, want one line %q", a.care, tt.care)
			}
			if len(a.training) != 2 || a.training[0][0] != "研修A" || a.training[1][1] != "3 / 4" {
				t.Errorf("training %q, want sorted by title", a.training)
			}
			if len(a.policy) != 1 || a.policy[0][1] != "80%" {
				t.Errorf("policy %q", a.policy)
			}
			for _, g := range a.groups {
				checkLabels(t, g.heading)
			}
		})
	}
}

func TestAnnualFiguresOneOrganisation(t *testing.T) {
	in := annualInput(t, "en")
	in.Group = false
	for _, st := range in.Stats {
		st.Sum = nil
	}
	a, err := annualFigures(in)
	if err != nil {
		t.Fatal(err)
	}
	// Without a sum, the figures are the organisation's own.
	if a.title != "アクメ: customer harassment, annual report 2026" || a.cases != "15" {
		t.Errorf("title %q, cases %q", a.title, a.cases)
	}
	delete(in.Stats, "verdict")
	if _, err := annualFigures(in); err == nil || !strings.Contains(err.Error(), "verdict") {
		t.Errorf("err = %v, want one naming the missing figures", err)
	}
}

func TestAnnualReport(t *testing.T) {
	for _, tt := range []struct {
		lang  string
		wants []string
	}{
		{"ja", []string{"年次報告", "新宿店", "<3", "*", "月別の件数", "研修A", "作成日時：2027年1月5日 10:00 JST"}},
		{"en", []string{"annual report 2026", "新宿店", "<3", "*", "Cases by month", "研修A", "Generated: 5 January 2027 10:00 JST"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			f, err := AnnualReport(annualInput(t, tt.lang))
			wantPDF(t, f, err, "annual-report-2026.pdf")
			checkPDF(t, f.Data, tt.wants, nil)
		})
	}
}
