package document

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// complianceFixture is a group of two organisations with a row of every
// measure: evidence of every kind of value, a gap with names, a measure
// not applicable with the admin's reason.
func complianceFixture() *kasuhara.Compliance {
	at := time.Date(2026, 12, 6, 1, 30, 0, 0, time.UTC) // 6 December 10:30 in Japan
	org := func(name string) kasuhara.OrgCompliance {
		o := kasuhara.OrgCompliance{OrgID: name, OrgSlug: strings.ToLower(name), OrgName: name}
		for _, m := range kasuhara.ComplianceMeasures {
			o.Rows = append(o.Rows, kasuhara.ComplianceRow{Measure: m, Status: kasuhara.ComplianceMet,
				Evidence: []kasuhara.ComplianceFact{{Key: "cases", Count: &kasuhara.StatCell{Count: 12}}}})
		}
		p := o.Row(kasuhara.MeasurePolicy)
		p.Status = kasuhara.CompliancePartly
		p.Evidence = []kasuhara.ComplianceFact{
			{Key: "policy_published", Text: "基本方針", TextEn: "Basic policy", Version: 2, Date: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
			{Key: "ack_workers", Count: &kasuhara.StatCell{Count: 40}, Of: &kasuhara.StatCell{Count: 42}},
		}
		p.Missing = []kasuhara.ComplianceGap{{Key: "unacknowledged", Count: 2, Names: []string{"山田 花子", "佐藤 一郎"}}}
		r := o.Row(kasuhara.MeasureResponse)
		r.Evidence = []kasuhara.ComplianceFact{{Key: "ack_on_time", Count: &kasuhara.StatCell{Count: 2, Suppressed: true}, Of: &kasuhara.StatCell{Count: 2, Suppressed: true}},
			{Key: "ack_median", Minutes: &kasuhara.Durations{Count: 12, Median: 90, P90: 200, OnTime: 11}}}
		n := o.Row(kasuhara.MeasureCheckins)
		n.Status, n.NAReason = kasuhara.ComplianceNA, "記名の報告を受け付けていない"
		c := o.Row(kasuhara.MeasureCooperation)
		c.Status, c.Evidence = kasuhara.ComplianceNA, []kasuhara.ComplianceFact{{Key: "no_register"}}
		return o
	}
	c := &kasuhara.Compliance{At: at, Since: at.AddDate(-1, 0, 0), AuditSeq: 4711, AuditHash: strings.Repeat("ab", 32),
		AuditVerifiedAt: at.AddDate(0, 0, -3), Orgs: []kasuhara.OrgCompliance{org("Acme"), org("West")}}
	g := org("")
	c.Group = &g
	return c
}

// TestComplianceMeasuresInWords: every measure, status and piece of
// evidence has its words in both languages; dates in Japanese style in
// Japan's zone; suppressed counts stay "<3"; names follow the gap.
func TestComplianceMeasuresInWords(t *testing.T) {
	c := complianceFixture()
	for _, lang := range []string{"ja", "en"} {
		ms := ComplianceMeasures(locale(t, lang), c.Orgs[0])
		if len(ms) != len(kasuhara.ComplianceMeasures) {
			t.Fatalf("%s: %d measures", lang, len(ms))
		}
		for _, m := range ms {
			checkLabels(t, m.Heading, m.Clause, m.Label, m.NAReason)
			for _, e := range m.Evidence {
				checkLabels(t, e.Label, e.Value)
			}
			for _, g := range m.Missing {
				checkLabels(t, g)
			}
		}
		policy := ms[0]
		want := map[string][]string{
			"ja": {"基本方針 第2版、2026年10月1日", "40 / 42", "未確認 2人：山田 花子、佐藤 一郎"},
			"en": {"Basic policy, version 2; 1 October 2026", "40 of 42", "2 people have not acknowledged: 山田 花子, 佐藤 一郎"},
		}[lang]
		got := policy.Evidence[0].Value + "|" + policy.Evidence[1].Value + "|" + policy.Missing[0]
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: policy %q lacks %q", lang, got, w)
			}
		}
		resp := ms[5]
		if resp.Measure != kasuhara.MeasureResponse || !strings.Contains(resp.Evidence[0].Value, "<3") || strings.Contains(resp.Evidence[0].Value, "2") {
			t.Errorf("%s: a suppressed count shows: %+v", lang, resp.Evidence[0])
		}
		many := c.Orgs[0]
		many.Rows = []kasuhara.ComplianceRow{{Measure: kasuhara.MeasurePolicy, Status: kasuhara.CompliancePartly,
			Missing: []kasuhara.ComplianceGap{{Key: "unacknowledged", Count: MaxComplianceNames + 5, Names: make([]string, MaxComplianceNames+5)}}}}
		for i := range many.Rows[0].Missing[0].Names {
			many.Rows[0].Missing[0].Names[i] = fmt.Sprintf("社員%02d", i)
		}
		gap := ComplianceMeasures(locale(t, lang), many)[0].Missing[0]
		if !strings.Contains(gap, "社員29") || strings.Contains(gap, "社員30") || !strings.Contains(gap, map[string]string{"ja": "ほか5人", "en": "and 5 more"}[lang]) {
			t.Errorf("%s: a long list of names: %q", lang, gap)
		}
		if ms[12].NAReason != "記名の報告を受け付けていない" || ms[13].NAReason == "" {
			t.Errorf("%s: reasons of not applicable: %q, %q", lang, ms[12].NAReason, ms[13].NAReason)
		}
	}
}

// TestComplianceReport: the PDF names the organisation, the date in
// Japanese style, the audit chain's head, and every measure's heading,
// of the group and each organisation, in Japanese and in English.
func TestComplianceReport(t *testing.T) {
	c := complianceFixture()
	for _, lang := range []string{"ja", "en"} {
		l := locale(t, lang)
		f, err := ComplianceReport(ComplianceInput{Locale: l, Org: "Acme", Compliance: c})
		if err != nil {
			t.Fatal(err)
		}
		if f.Type != TypePDF || f.Name != "compliance-2026-12-06.pdf" || !strings.HasPrefix(string(f.Data), "%PDF-") {
			t.Fatalf("%s: %s %s", lang, f.Type, f.Name)
		}
		text := pdfText(t, f.Data)
		if text == "" {
			continue
		}
		want := []string{"Acme", c.AuditHash[:32], "4711"}
		if lang == "ja" {
			want = append(want, "2026年12月6日", "グループ全体", "West")
		} else {
			want = append(want, "6December2026", "Thewholegroup", "West")
		}
		for _, m := range kasuhara.ComplianceMeasures {
			want = append(want, strings.Join(strings.Fields(l.t("compliance.measure."+m)), ""))
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the report lacks %q", lang, w)
			}
		}
	}
}
