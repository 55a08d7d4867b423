package store_test

import (
	"reflect"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
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

// TestCasesSummarySupervisorPath: the supervisor of an area reads a summary
// of the cases of the stores below it with their department paths, on which
// their level in each case is decided (the API's list shows them the
// handler and the verdict); the desk's summary has none.
func TestCasesSummarySupervisorPath(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		area := d.department(t, "関東", "")
		if err := d.s.SetDepartmentParent(ctx, d.actor, d.org.ID, d.shop.ID, area.ID); err != nil {
			t.Fatal(err)
		}
		boss := d.people["shopboss"]
		boss.DepartmentID = area.ID
		if err := d.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: boss.UserID, OrgID: boss.OrgID,
			Role: kasuhara.RoleSupervisor, DepartmentID: area.ID}); err != nil {
			t.Fatal(err)
		}
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "大声で怒鳴った", "shouting"))
		d.file(t, d.people["operator"], report(d.call.ID, "電話で暴言", "insult"))
		list, _, err := d.s.Cases(ctx, boss, kasuhara.CaseFilter{Summary: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("the area's supervisor lists %d cases, want the shop's one", len(list))
		}
		got := list[0]
		if want := []string{d.shop.ID, area.ID}; !reflect.DeepEqual(got.DepartmentPath, want) {
			t.Errorf("department path %v, want %v", got.DepartmentPath, want)
		}
		if got.Report.Conduct != "" {
			t.Errorf("the supervisor's summary has the conduct %q", got.Report.Conduct)
		}
		facts := access.CaseFacts{OrgID: got.OrgID, ReporterID: got.ReporterID, DepartmentID: got.Report.DepartmentID,
			DepartmentPath: got.DepartmentPath, HiddenFromSupervisor: got.HideFromSupervisor}
		if level := access.Case(boss, facts); level != access.CaseSupervisor {
			t.Errorf("the area's supervisor's level in the listed case: %v, want CaseSupervisor", level)
		}
		desk, _, err := d.s.Cases(ctx, d.people["desk1"], kasuhara.CaseFilter{Summary: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range desk {
			if c.DepartmentPath != nil {
				t.Errorf("the desk's summary has the department path of %s", c.Ref)
			}
		}
	})
}
