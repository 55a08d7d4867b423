package document

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// cooperationInput is a summary shared without the reporter's consent: the
// store has blacked out their name in the texts.
func cooperationInput(t *testing.T, lang string) CooperationInput {
	t.Helper()
	at := time.Date(2026, 4, 9, 1, 30, 0, 0, time.UTC)
	return CooperationInput{Locale: locale(t, lang), Now: at.Add(48 * time.Hour), Org: "株式会社アクメ", Summary: &kasuhara.SharedSummary{
		Request: kasuhara.CooperationRequest{Ref: "CO-2026-00001", Direction: kasuhara.CooperationReceived, Employer: "乙運輸株式会社", RequestedAt: at.Add(24 * time.Hour)},
		Fields:  []string{kasuhara.ShareDates, kasuhara.ShareCategories, kasuhara.ShareConduct, kasuhara.ShareMeasures},
		CaseRef: "K-2026-00007", OccurredAt: at, Categories: []kasuhara.Category{"violence_abuse"}, Subtypes: []string{"shouting"},
		Demand: "■■■を辞めさせろ", Conduct: "客が■■■さんに土下座を要求した",
		Measures: []kasuhara.SharedMeasure{{At: at.Add(time.Hour), Kind: "referral.kind.police"}, {At: at.Add(2 * time.Hour), Kind: "level.warned"}}}}
}

// TestCooperationSummary: the shared summary holds the sender, the
// recipient, the fields chosen and the note that the reporter is left
// out, in the reader's language; no label is left untranslated.
func TestCooperationSummary(t *testing.T) {
	for _, tt := range []struct {
		lang          string
		wants, absent []string
	}{
		{"ja", []string{"株式会社アクメ", "乙運輸株式会社", "CO-2026-00001", "2026年4月9日10:30", "暴言", "客が■■■さんに土下座を要求した", "警察", "警告",
			"報告した従業員に関する情報は記載していません"}, []string{"報告者の同意日", "経路"}},
		{"en", []string{"株式会社アクメ", "CO-2026-00001", "9 Apr 2026 10:30", "Police", "Warning", "Nothing about the reporting employee"},
			[]string{"Reporter consented", "Channel"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			in := cooperationInput(t, tt.lang)
			for _, s := range in.CooperationSections().Sections {
				checkLabels(t, s.Heading)
				for _, f := range s.Facts {
					checkLabels(t, f[0], f[1])
				}
				if s.Table != nil {
					checkLabels(t, s.Table.Header...)
					for _, r := range s.Table.Rows {
						checkLabels(t, r...)
					}
				}
			}
			f, err := CooperationSummary(in)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != "CO-2026-00001-summary.pdf" || f.Type != TypePDF {
				t.Errorf("file %q of type %q", f.Name, f.Type)
			}
			checkPDF(t, f.Data, tt.wants, tt.absent)
		})
	}
	// With consent the reporter and the date of the consent are printed.
	in := cooperationInput(t, "ja")
	in.Summary.Fields = append(in.Summary.Fields, kasuhara.ShareReporter)
	in.Summary.Reporter, in.Summary.ReporterDepartment, in.Summary.ConsentAt = "佐藤 花子", "新宿店", time.Date(2026, 4, 10, 15, 30, 0, 0, time.UTC)
	f, err := CooperationSummary(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, f.Data, []string{"佐藤 花子 新宿店", "報告者の同意日", "2026年4月11日"}, []string{"記載していません"})
}
