package document

import (
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// sampleStats are a parent (shop 4 withheld, call centre 1 suppressed,
// times summarised) and a subsidiary with a single case, and their sum.
func sampleStats() *kasuhara.Stats {
	parent := kasuhara.OrgStats{OrgID: "o1", OrgSlug: "acme", OrgName: "アクメ", Total: kasuhara.StatCell{Count: 15},
		Groups:  []kasuhara.StatCell{{Key: "d-shop", Count: 4, Withheld: true}, {Key: "d-call", Count: 1, Suppressed: true}, {Key: "", Count: 10}},
		Ack:     kasuhara.Durations{Count: 12, Median: 30, P90: 240, OnTime: 11, OnTimeHidden: true},
		Resolve: kasuhara.Durations{Count: 2, Suppressed: true}}
	sub := kasuhara.OrgStats{OrgID: "o2", OrgSlug: "acme-retail", OrgName: "アクメ小売", Total: kasuhara.StatCell{Count: 1, Suppressed: true},
		Groups: []kasuhara.StatCell{{Key: "", Count: 1, Suppressed: true}}, Ack: kasuhara.Durations{}, Resolve: kasuhara.Durations{Count: 5, Suppressed: true}}
	sum := kasuhara.OrgStats{Total: kasuhara.StatCell{Count: 16, Withheld: true},
		Groups: []kasuhara.StatCell{{Key: "d-shop", Count: 4, Withheld: true}, {Key: "d-call", Count: 1, Suppressed: true}, {Key: "", Count: 11}}}
	return &kasuhara.Stats{Query: kasuhara.StatsQuery{From: "2026-04", To: "2026-06", GroupBy: "department"},
		Orgs: []kasuhara.OrgStats{parent, sub}, Sum: &sum}
}

var departments = map[string]string{"d-shop": "新宿店", "d-call": "コールセンター"}

func TestStatsTable(t *testing.T) {
	tests := []struct {
		lang  string
		sheet string
		want  [][]string
	}{
		{"ja", "統計", [][]string{
			{"組織", "部署", "件数"},
			{"アクメ", "新宿店", "*"},
			{"アクメ", "コールセンター", "<3"},
			{"アクメ", "部署なし", "10"},
			{"アクメ", "合計", "15"},
			{"アクメ", "受付までの時間・中央値（分）", "30"},
			{"アクメ", "受付までの時間・90パーセンタイル（分）", "240"},
			{"アクメ", "解決までの時間・中央値（分）", "<3"},
			{"アクメ小売", "部署なし", "<3"},
			{"アクメ小売", "合計", "<3"},
			{"グループ合計", "新宿店", "*"},
			{"グループ合計", "コールセンター", "<3"},
			{"グループ合計", "部署なし", "11"},
			{"グループ合計", "合計", "*"},
		}},
		{"en", "Statistics", [][]string{
			{"Organisation", "Department", "Cases"},
			{"アクメ", "新宿店", "*"},
			{"アクメ", "コールセンター", "<3"},
			{"アクメ", "No department", "10"},
			{"アクメ", "Total", "15"},
			{"アクメ", "Time to acknowledge, median (minutes)", "30"},
			{"アクメ", "Time to acknowledge, 90th percentile (minutes)", "240"},
			{"アクメ", "Time to resolve, median (minutes)", "<3"},
			{"アクメ小売", "No department", "<3"},
			{"アクメ小売", "Total", "<3"},
			{"Group total", "新宿店", "*"},
			{"Group total", "コールセンター", "<3"},
			{"Group total", "No department", "11"},
			{"Group total", "Total", "*"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			got := StatsTable(StatsInput{Locale: locale(t, tt.lang), Stats: sampleStats(), Departments: departments})
			if got.Name != "stats-2026-04-2026-06-department" || got.Sheet != tt.sheet {
				t.Errorf("name %q, sheet %q", got.Name, got.Sheet)
			}
			if !slices.EqualFunc(got.Rows, tt.want, slices.Equal) {
				t.Errorf("rows:\n%s\nwant:\n%s", dump(got.Rows), dump(tt.want))
			}
			// The hidden counts appear nowhere, not even as a time.
			for _, row := range got.Rows[1:] {
				if row[2] == "4" || row[2] == "1" || row[2] == "16" {
					t.Errorf("a hidden count is shown: %q", row)
				}
			}
		})
	}
}

func dump(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " | ") + "\n")
	}
	return b.String()
}

func TestGroupLabel(t *testing.T) {
	tests := []struct {
		lang, groupBy, key, want string
	}{
		{"ja", "month", "2026-04", "2026-04"},
		{"ja", "department", "d-shop", "新宿店"},
		{"ja", "department", "", "部署なし"},
		{"ja", "department", "d-gone", "d-gone"},
		{"en", "department", "", "No department"},
		{"ja", "verdict", "", "未判断"},
		{"en", "verdict", "", "Not assessed yet"},
		{"ja", "verdict", "harassment", "カスハラに該当"},
		{"en", "verdict", "harassment", "Customer harassment"},
		{"ja", "channel", "phone", "電話"},
		{"en", "channel", "phone", "Phone"},
		{"en", "category", "violence_abuse", "Violence and abusive language"},
		{"en", "channel", "carrier_pigeon", "carrier_pigeon"},
	}
	for _, tt := range tests {
		if got := GroupLabel(locale(t, tt.lang).Loc, departments, tt.groupBy, tt.key); got != tt.want {
			t.Errorf("GroupLabel(%s, %s, %q) = %q, want %q", tt.lang, tt.groupBy, tt.key, got, tt.want)
		}
	}
}

// casesOf yields cases and then, if err is set, fails with it; it counts
// the cases read.
func casesOf(cs []kasuhara.Case, err error, read *int) iter.Seq2[kasuhara.Case, error] {
	return func(yield func(kasuhara.Case, error) bool) {
		for _, c := range cs {
			*read++
			if !yield(c, nil) {
				return
			}
		}
		if err != nil {
			yield(kasuhara.Case{}, err)
		}
	}
}

func TestCasesTable(t *testing.T) {
	// Reported at 23:10 UTC on 31 March: 1 April in Japan.
	at := time.Date(2026, 3, 31, 23, 10, 0, 0, time.UTC)
	cases := []kasuhara.Case{
		{Ref: "K-2026-00001", State: kasuhara.StateNew, Urgent: true, CreatedAt: at, Verdict: "harassment",
			Report: kasuhara.Report{OccurredAt: at.Add(-time.Hour), Channel: "phone", DepartmentID: "d-shop",
				Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}, Subtypes: []string{"insult", "threat"},
				Conduct: "秘密の叙述", Customer: kasuhara.CustomerDetails{Name: "山田 太郎"}}},
		{Ref: "K-2026-00002", State: kasuhara.StateClosed, CreatedAt: at, ClosedAt: at.Add(48 * time.Hour),
			Report: kasuhara.Report{Channel: "in_person"}},
		{Ref: "K-2024-00001", State: kasuhara.StateClosed, CreatedAt: at, Imported: true, ImportID: "i-1", Report: kasuhara.Report{Channel: "other"}},
		{Ref: "K-2026-00003", State: kasuhara.StateNew, CreatedAt: at, RecordedBy: "u-boss", ReceivedVia: "phone", Report: kasuhara.Report{Channel: "phone"}},
	}
	tests := []struct {
		lang string
		want [][]string
	}{
		{"ja", [][]string{
			{"K-2026-00001", "2026-04-01 08:10", "2026-04-01 07:10", "新規", "あり", "電話", "新宿店", "暴力・暴言", "侮辱・暴言、脅迫・威嚇", "カスハラに該当", "", "", "", ""},
			{"K-2026-00002", "2026-04-01 08:10", "", "完了", "", "対面", "", "", "", "", "", "", "2026-04-03 08:10", ""},
			{"K-2024-00001", "2026-04-01 08:10", "", "完了", "", "その他", "", "", "", "", "", "", "", "旧台帳から取り込み"},
			{"K-2026-00003", "2026-04-01 08:10", "", "新規", "", "電話", "", "", "", "", "", "", "", "代理記録"},
		}},
		{"en", [][]string{
			{"K-2026-00001", "2026-04-01 08:10", "2026-04-01 07:10", "New", "yes", "Phone", "新宿店", "Violence and abusive language",
				"Insults, abusive language、Threats, intimidation", "Customer harassment", "", "", "", ""},
			{"K-2026-00002", "2026-04-01 08:10", "", "Closed", "", "In person", "", "", "", "", "", "", "2026-04-03 08:10", ""},
			{"K-2024-00001", "2026-04-01 08:10", "", "Closed", "", "Other", "", "", "", "", "", "", "", "Imported from the old ledger"},
			{"K-2026-00003", "2026-04-01 08:10", "", "New", "", "Phone", "", "", "", "", "", "", "", "Taken on behalf"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			read := 0
			got, err := CasesTable(CasesInput{Locale: locale(t, tt.lang), Now: at, Departments: departments, Cases: casesOf(cases, nil, &read)})
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "cases-20260401" || got.Len() != 4 || len(got.Rows[0]) != len(caseColumns) {
				t.Fatalf("name %q, %d rows, header %q", got.Name, got.Len(), got.Rows[0])
			}
			checkLabels(t, got.Rows[0]...)
			checkLabels(t, got.Sheet)
			if !slices.EqualFunc(got.Rows[1:], tt.want, slices.Equal) {
				t.Errorf("rows:\n%s\nwant:\n%s", dump(got.Rows[1:]), dump(tt.want))
			}
			// Narratives and customers' identities are never exported.
			flat := dump(got.Rows)
			for _, secret := range []string{"秘密の叙述", "山田 太郎"} {
				if strings.Contains(flat, secret) {
					t.Errorf("the export holds %q", secret)
				}
			}
		})
	}
}

func TestCasesTableLimitAndErrors(t *testing.T) {
	l := locale(t, "ja")
	many := make([]kasuhara.Case, MaxExportRows+50)
	read := 0
	got, err := CasesTable(CasesInput{Locale: l, Cases: casesOf(many, nil, &read)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != MaxExportRows || read != MaxExportRows {
		t.Errorf("%d rows from %d cases read, want %d of both", got.Len(), read, MaxExportRows)
	}
	boom := errors.New("boom")
	if _, err := CasesTable(CasesInput{Locale: l, Cases: casesOf(many[:3], boom, &read)}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the cases' error", err)
	}
}
