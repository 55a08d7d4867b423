package store_test

import (
	"reflect"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestCasesSummary: a summary page (the desk's queue) gives every case of
// the full page, with everything the full page gives but the report's
// narratives, the customer's details and the department path, which it
// leaves empty.
func TestCasesSummary(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		r := report(d.shop.ID, "大声で怒鳴り、土下座を要求した", "shouting", "kneeling_demand")
		r.Harm, r.Wishes, r.Witnesses = "眠れない", "出入り禁止に", "同僚"
		r.Customer = kasuhara.CustomerDetails{Name: "山田 太郎", NameKana: "ヤマダ", Phone: "090-1234-5678", Email: "t@example.jp",
			Account: "A-1", SNSHandle: "@yamada"}
		d.file(t, d.people["clerk"], r)
		d.file(t, d.people["clerk"], report(d.call.ID, "電話で暴言", "insult"))
		desk := d.people["desk1"]
		for _, f := range []kasuhara.CaseFilter{{}, {Query: "土下座"}, {Sort: "deadline"}, {Category: kasuhara.CatViolenceAbuse}} {
			full, _, err := d.s.Cases(ctx, desk, f)
			if err != nil {
				t.Fatal(err)
			}
			f.Summary = true
			summary, _, err := d.s.Cases(ctx, desk, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(full) == 0 || len(summary) != len(full) {
				t.Fatalf("%+v: %d cases in the summary, %d in the full page", f, len(summary), len(full))
			}
			for i := range full {
				want := full[i]
				if want.Report.Conduct == "" || want.Report.RequestContent == "" || want.Report.Customer.Phone == "" || len(want.DepartmentPath) == 0 {
					t.Fatalf("the full page lacks the narratives: %+v", want.Report)
				}
				want.Report.RequestContent, want.Report.Conduct, want.Report.Harm, want.Report.Wishes, want.Report.Witnesses = "", "", "", "", ""
				want.Report.Customer, want.DepartmentPath = kasuhara.CustomerDetails{}, nil
				got := summary[i]
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%+v: summary %+v, want %+v", f, got, want)
				}
				if got.Report.Conduct != "" || got.Report.RequestContent != "" || got.Report.Harm != "" || got.Report.Wishes != "" ||
					got.Report.Witnesses != "" || got.Report.Customer != (kasuhara.CustomerDetails{}) || got.DepartmentPath != nil {
					t.Errorf("%+v: the summary of %s has narratives or customer details: %+v", f, got.Ref, got.Report)
				}
			}
		}
	})
}
