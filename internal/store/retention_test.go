package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// closeCase takes a case through to closed with a verdict.
func closeCase(t *testing.T, d desk, c *kasuhara.Case, verdict string) {
	t.Helper()
	desk := d.people["desk1"]
	d.s.Transition(ctx, desk, c.ID, kasuhara.StateAcknowledged, "")
	if _, err := d.s.Assign(ctx, desk, c.ID, desk.UserID, d.people["legal"].UserID); err != nil {
		t.Fatal(err)
	}
	d.s.Transition(ctx, desk, c.ID, kasuhara.StateInProgress, "")
	a := kasuhara.Assessment{Request: "valid", Manner: "appropriate", Verdict: verdict, Rationale: "x"}
	if verdict == "harassment" {
		a = kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"threat"}, EnvironmentImpaired: true, EnvironmentHow: "x", Verdict: verdict, Rationale: "x"}
	}
	if _, err := d.s.Assess(ctx, desk, c.ID, a); err != nil {
		t.Fatal(err)
	}
	for _, st := range []kasuhara.CaseState{kasuhara.StateResolved, kasuhara.StateClosed} {
		if _, err := d.s.Transition(ctx, desk, c.ID, st, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func count(t *testing.T, db *sqldb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetentionPurgesEverythingButTheAuditRecord closes a complaint and a
// harassment case, lets time pass, and checks that the rules purge what
// they should, that a legal hold stops them, that nothing of a purged case
// is left but its audit record, and that the audit chain still verifies.
func TestRetentionPurgesEverythingButTheAuditRecord(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		blobs, err := blob.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer blobs.Close()
		now := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
		d.s.Now = func() time.Time { return now }
		legal, clerk := d.people["legal"], d.people["clerk"]
		// Rules: legal only; closed complaints a year, closed harassment five.
		_, err = d.s.AddRetentionRule(ctx, d.people["desk1"], kasuhara.RetentionRule{State: kasuhara.StateClosed, KeepMonths: 12})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.AddRetentionRule(ctx, legal, kasuhara.RetentionRule{State: "new", Verdict: "nice", KeepMonths: 0})
		wantField(t, err, "state")
		wantField(t, err, "verdict")
		wantField(t, err, "keep_months")
		if _, err := d.s.AddRetentionRule(ctx, legal, kasuhara.RetentionRule{State: kasuhara.StateClosed, Verdict: "legitimate_complaint", KeepMonths: 12}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddRetentionRule(ctx, legal, kasuhara.RetentionRule{State: kasuhara.StateClosed, KeepMonths: 60}); err != nil {
			t.Fatal(err)
		}
		r := report(d.shop.ID, "山田が怒鳴った秘密の叙述", "shouting")
		r.Customer = kasuhara.CustomerDetails{Name: "山田 一郎", Phone: "090-7777-8888"}
		r.OccurredAt = now.Add(-time.Hour)
		complaint := d.file(t, clerk, r)
		b, err := blobs.Put(ctx, strings.NewReader("録音の中身"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddEvidence(ctx, clerk, complaint.ID, kasuhara.Evidence{BlobID: b.ID, Filename: "録音.txt", MediaType: b.MediaType, Size: b.Size, SHA256: b.SHA256}); err != nil {
			t.Fatal(err)
		}
		d.s.AddMessage(ctx, clerk, complaint.ID, "メッセージの秘密")
		file := func(conduct, subtype string, cust string) *kasuhara.Case {
			r := report(d.shop.ID, conduct, subtype)
			r.OccurredAt = now.Add(-time.Hour)
			if cust != "" {
				r.Customer = kasuhara.CustomerDetails{Phone: cust}
			} else {
				r.Customer = kasuhara.CustomerDetails{}
			}
			c := d.file(t, clerk, r)
			return c
		}
		harassment := file("別の叙述", "threat", "03-1111-2222")
		held := file("保留の叙述", "insult", "03-3333-4444")
		for c, v := range map[*kasuhara.Case]string{complaint: "legitimate_complaint", harassment: "harassment", held: "legitimate_complaint"} {
			closeCase(t, d, c, v)
		}
		if _, err := d.s.PlaceHold(ctx, legal, "", "", "x"); kasuhara.ErrorFields(err)["case"].Code == "" {
			t.Fatalf("a hold on nothing: %v", err)
		}
		if _, err := d.s.PlaceHold(ctx, legal, held.Ref, "", "訴訟の可能性"); err != nil {
			t.Fatal(err)
		}
		monthBefore := kasuhara.StatMonth(now)
		stats := func() int {
			st, _ := d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, kasuhara.StatsQuery{From: monthBefore, To: monthBefore, GroupBy: "verdict"})
			return st.Orgs[0].Total.Count
		}
		// Eleven months on: the complaints are on the warning list; nothing goes.
		now = now.AddDate(0, 11, 5)
		soon, err := d.s.Expiring(ctx, legal, kasuhara.RetentionWarning)
		if err != nil || len(soon) != 2 {
			t.Fatalf("warning list: %v %+v", err, soon)
		}
		for _, e := range soon {
			if e.Held != (e.CaseID == held.ID) {
				t.Errorf("held flag wrong: %+v", e)
			}
		}
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 0 {
			t.Fatalf("%d purged before expiry", n)
		}
		// A year and a month on: the complaint goes, the held one and the harassment stay.
		now = now.AddDate(0, 2, 0)
		n, err := d.s.PurgeExpired(ctx, "", blobs.Delete)
		if err != nil || n != 1 {
			t.Fatalf("purged %d: %v", n, err)
		}
		if _, err := blobs.Open(b.ID); err == nil {
			t.Error("the evidence file survived the purge")
		}
		for table, q := range map[string]string{
			"cases":          "SELECT COUNT(*) FROM cases WHERE id = $1",
			"events":         "SELECT COUNT(*) FROM case_events WHERE case_id = $1",
			"evidence":       "SELECT COUNT(*) FROM evidence WHERE case_id = $1",
			"messages":       "SELECT COUNT(*) FROM case_messages WHERE case_id = $1",
			"assessments":    "SELECT COUNT(*) FROM assessments WHERE case_id = $1",
			"notifications":  "SELECT COUNT(*) FROM notifications WHERE case_id = $1",
			"case_customers": "SELECT COUNT(*) FROM case_customers WHERE case_id = $1",
		} {
			if got := count(t, d.db, q, complaint.ID); got != 0 {
				t.Errorf("%d rows of %s left", got, table)
			}
		}
		if d.db.Engine == sqldb.SQLite {
			if got := count(t, d.db, "SELECT COUNT(*) FROM case_search WHERE case_id = $1", complaint.ID); got != 0 {
				t.Errorf("search tokens left")
			}
		}
		if got := count(t, d.db, "SELECT COUNT(*) FROM customer_identifiers WHERE value LIKE '%7777%' OR match_key LIKE '%7777%'"); got != 0 {
			t.Errorf("the purged case's customer is still known")
		}
		// Search finds nothing of it.
		list, _, _ := d.s.Cases(ctx, d.people["desk1"], kasuhara.CaseFilter{Query: "秘密の叙述"})
		if len(list) != 0 {
			t.Error("search still finds the purged case")
		}
		for _, c := range []*kasuhara.Case{harassment, held} {
			if got := count(t, d.db, "SELECT COUNT(*) FROM cases WHERE id = $1", c.ID); got != 1 {
				t.Errorf("case %s was purged", c.Ref)
			}
		}
		// What is left of it is the audit record, and the chain verifies.
		entries, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: complaint.ID})
		last := entries[0]
		for _, e := range entries {
			if e.Seq > last.Seq {
				last = e
			}
		}
		if last.Action != "case.purge" || !strings.Contains(last.Detail, complaint.Ref) || strings.Contains(last.Detail, "山田") {
			t.Errorf("purge record: %+v", last)
		}
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit after purge: %v %+v", err, problem)
		}
		if stats() != 3 {
			t.Errorf("the statistics lost the purged case: %d", stats())
		}
		if err := d.s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		if stats() != 3 {
			t.Errorf("a rebuild of the statistics lost the purged case: %d", stats())
		}
		if got := count(t, d.db, "SELECT COUNT(*) FROM pending_blob_deletes"); got != 0 {
			t.Errorf("%d evidence files left pending", got)
		}
		// Released, the held one goes at the next run.
		hs, _ := d.s.Holds(ctx, legal)
		if len(hs) != 1 || hs[0].CaseRef != held.Ref {
			t.Fatalf("holds %+v", hs)
		}
		if err := d.s.ReleaseHold(ctx, legal, hs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 1 {
			t.Fatalf("after release purged %d", n)
		}
		// A customer hold protects every case of the customer.
		now = now.AddDate(4, 0, 0)
		var custID string
		if err := d.db.Read.QueryRowContext(ctx, "SELECT customer_id FROM case_customers WHERE case_id = $1", harassment.ID).Scan(&custID); err != nil {
			t.Fatalf("no customer for the harassment case: %v", err)
		}
		if _, err := d.s.PlaceHold(ctx, legal, "", custID, "係争中"); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 0 {
			t.Fatalf("a held customer's case was purged")
		}
		// Merging the held customer into another keeps the hold.
		other := file("別件", "insult", "03-5555-6666")
		var otherCust string
		d.db.Read.QueryRowContext(ctx, "SELECT customer_id FROM case_customers WHERE case_id = $1", other.ID).Scan(&otherCust)
		if err := d.s.MergeCustomers(ctx, legal, otherCust, custID); err != nil {
			t.Fatalf("merging a held customer: %v", err)
		}
		if got := count(t, d.db, "SELECT COUNT(*) FROM legal_holds WHERE customer_id = $1", otherCust); got != 1 {
			t.Errorf("the hold did not follow the merge")
		}
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 0 {
			t.Fatalf("the case of a merged held customer was purged")
		}
		// A one-month rule on 31 March does not reach a case closed on 2 March.
		if _, err := d.s.AddRetentionRule(ctx, legal, kasuhara.RetentionRule{State: kasuhara.StateResolved, KeepMonths: 1}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2031, 3, 2, 1, 0, 0, 0, time.UTC)
		late := file("解決のみ", "insult", "")
		desk := d.people["desk1"]
		d.s.Transition(ctx, desk, late.ID, kasuhara.StateAcknowledged, "")
		d.s.Assign(ctx, desk, late.ID, desk.UserID, legal.UserID)
		d.s.Transition(ctx, desk, late.ID, kasuhara.StateInProgress, "")
		d.s.Transition(ctx, desk, late.ID, kasuhara.StateResolved, "")
		now = time.Date(2031, 3, 31, 1, 0, 0, 0, time.UTC)
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 0 {
			t.Fatalf("a case resolved on 2 March was purged on 31 March under a one-month rule")
		}
		now = time.Date(2031, 4, 3, 1, 0, 0, 0, time.UTC)
		if n, _ := d.s.PurgeExpired(ctx, "", blobs.Delete); n != 1 {
			t.Fatalf("the resolved case was not purged after a month: %d", n)
		}
	})
}
