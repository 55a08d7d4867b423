package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// The case page shows the customer a case is linked to, with the measure
// level and the number of cases, to the desk and legal only; a handler
// excluded from the case learns nothing of it.
func TestCustomersOfCase(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		first := d.file(t, d.people["clerk"], report(d.shop.ID, "大声で怒鳴られた", "shouting"))
		second, err := d.s.FileReport(ctx, d.people["operator"], report(d.call.ID, "電話で2時間同じ要求を繰り返された", "long_contact"))
		if err != nil {
			t.Fatal(err)
		}
		lone := report(d.shop.ID, "名乗らない客に怒鳴られた", "shouting")
		lone.Customer = kasuhara.CustomerDetails{}
		unlinked := d.file(t, d.people["clerk"], lone)
		list, err := d.s.CustomersOfCase(ctx, d.people["desk1"], second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].DisplayName != "山田 太郎" || list[0].IncidentCount != 2 || list[0].Level != "none" {
			t.Fatalf("customers of the case = %+v, want 山田 太郎 with 2 cases and no measure", list)
		}
		if list, err := d.s.CustomersOfCase(ctx, d.people["legal"], unlinked.ID); err != nil || len(list) != 0 {
			t.Fatalf("a case without a customer lists %+v, %v", list, err)
		}
		if _, err := d.s.CustomersOfCase(ctx, d.people["shopboss"], first.ID); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Fatalf("the supervisor reads the customer registry: %v", err)
		}
		if _, err := d.s.CustomersOfCase(ctx, d.people["otherdesk"], first.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("another organisation's desk: %v", err)
		}
		// Excluded from the first case, desk2 gets not found for it, and
		// the customer's count leaves that case out on the other.
		if _, err := d.s.Exclude(ctx, d.people["legal"], first.ID, d.people["desk2"].UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.CustomersOfCase(ctx, d.people["desk2"], first.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("an excluded handler reads the customer of the case: %v", err)
		}
		if list, err := d.s.CustomersOfCase(ctx, d.people["desk2"], second.ID); err != nil || len(list) != 1 || list[0].IncidentCount != 1 {
			t.Fatalf("the excluded handler's count on the other case: %+v, %v", list, err)
		}
	})
}

// Printing the case summary is an audited read for the supervisor of the
// department, the desk and legal; not for the reporter or anyone else.
func TestRecordSummary(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "大声で怒鳴られた", "shouting"))
		for _, who := range []string{"shopboss", "desk1", "legal"} {
			if err := d.s.RecordSummary(ctx, d.people[who], c.ID); err != nil {
				t.Fatalf("%s prints the summary: %v", who, err)
			}
		}
		for _, who := range []string{"clerk", "clerk2", "callboss", "analyst", "admin2", "otherdesk"} {
			if err := d.s.RecordSummary(ctx, d.people[who], c.ID); err == nil {
				t.Fatalf("%s printed the summary", who)
			}
		}
		es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]bool{}
		for _, e := range es {
			if e.Action == "case.summary" {
				by[e.ActorID] = true
			}
		}
		if len(by) != 3 || !by[d.people["shopboss"].UserID] || !by[d.people["desk1"].UserID] || !by[d.people["legal"].UserID] {
			t.Fatalf("case.summary entries by %v, want the supervisor, the desk and legal", by)
		}
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("the trail does not verify: %v %+v", err, problem)
		}
	})
}
