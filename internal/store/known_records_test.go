package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestKnownRecordStates files reports of every shape — named with and
// without a customer, a customer met before, a name alone, consultation,
// urgent, without a department, with evidence, anonymous, at times with
// nanoseconds — several at once so that they share a group commit. A named
// report without evidence has its record state computed from the values
// written (no read-back); for every case the state its case.create entry
// recorded must equal the state read from the rows now, and VerifyRecords
// must find nothing wrong.
func TestKnownRecordStates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		d := setupDesk(t, db)
		clerk := d.people["clerk"]
		at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		var shapes []kasuhara.Report
		for i, ns := range []int{0, 499, 500, 999_999_999, 123_456_789} {
			r := report(d.shop.ID, fmt.Sprintf("大声で怒鳴った %d", i), "shouting")
			r.OccurredAt = at.Add(time.Duration(ns))
			shapes = append(shapes, r)
		}
		met := report(d.shop.ID, "同じ客がまた来た", "kneeling_demand") // the customer of shapes[0], by phone
		nameOnly := report("", "名前だけの客", "insult")
		nameOnly.Customer = kasuhara.CustomerDetails{Name: "佐藤 花子"}
		noCustomer := report(d.call.ID, "名乗らない客", "long_contact")
		noCustomer.Customer = kasuhara.CustomerDetails{}
		email := report(d.shop.ID, "メールで脅された", "threat")
		email.Customer = kasuhara.CustomerDetails{Email: "Kyaku@Example.jp", Account: "A-1", SNSHandle: "@kyaku", NameKana: "キャク"}
		email.DangerOngoing, email.Harm, email.Wishes, email.Witnesses = true, "眠れない", "出入り禁止に", "同僚"
		consult := kasuhara.Report{OccurredAt: time.Now(), Channel: "phone", Conduct: "これはカスハラでしょうか", Consultation: true}
		shapes = append(shapes, met, nameOnly, noCustomer, email, consult)

		var mu sync.Mutex
		var named []*kasuhara.Case
		var wg sync.WaitGroup
		for _, r := range shapes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := d.s.FileReport(ctx, clerk, r)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				named = append(named, c)
				mu.Unlock()
			}()
		}
		wg.Wait()
		withEvidence, err := d.s.FileReport(ctx, clerk, report(d.shop.ID, "録音あり", "shouting"),
			kasuhara.Evidence{BlobID: "blob-known", Filename: "録音.m4a", MediaType: "audio/mp4", Size: 10, SHA256: "ab"})
		if err != nil {
			t.Fatal(err)
		}
		anon, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名の報告", "shouting"))
		if err != nil {
			t.Fatal(err)
		}
		all := append(named, withEvidence, anon)
		if len(all) != len(shapes)+2 {
			t.Fatalf("%d cases filed, want %d", len(all), len(shapes)+2)
		}
		linked := 0
		for _, c := range all {
			scope := "case " + c.ID
			read, err := store.RecordStatesRead(db, scope)
			if err != nil {
				t.Fatal(err)
			}
			var recordHash string
			if err := db.Read.QueryRowContext(ctx, "SELECT record_hash FROM audit_entries WHERE action = 'case.create' AND object_id = $1", c.ID).Scan(&recordHash); err != nil {
				t.Fatal(err)
			}
			want := audit.RecordsHash([]audit.RecordState{{Scope: scope, Hash: audit.ScopeHash(scope, read)}})
			if recordHash != want {
				t.Errorf("%s (%q): case.create recorded %s, the rows give %s", c.Ref, c.Report.Conduct, recordHash, want)
			}
			for _, st := range read {
				if st.Kind == "customer_link" {
					linked++
				}
			}
		}
		if linked != len(all)-2 { // all but the one without a customer and the consultation
			t.Errorf("%d customer links, want %d", linked, len(all)-2)
		}
		check, err := d.s.VerifyRecords(ctx)
		if err != nil || len(check.Problems) > 0 || check.Checked < len(all) {
			t.Fatalf("VerifyRecords: %+v, %v", check, err)
		}
		// The check can fail: a changed row no longer matches its state.
		testdb.DisableAuditTriggers(t, db)
		testdb.Exec(t, db, "UPDATE cases SET conduct = 'x' WHERE id = $1", named[0].ID)
		if check, err := d.s.VerifyRecords(ctx); err != nil || len(check.Problems) != 1 {
			t.Fatalf("VerifyRecords after a row was changed: %+v, %v", check, err)
		}
	})
}

// TestCaseTimesReadBack: the list and the case page (which read their times
// as text on SQLite, dbtime.go) give every time of a case as filed and as
// the other engine's driver gives it, in UTC, nulls as zero times.
func TestCaseTimesReadBack(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		r := report(d.shop.ID, "大声で怒鳴った", "shouting")
		r.OccurredAt = time.Date(2026, 3, 31, 23, 59, 58, 123456000, time.FixedZone("JST", 9*3600))
		filed := d.file(t, d.people["clerk"], r)
		page, _, err := d.s.Cases(ctx, d.people["desk1"], kasuhara.CaseFilter{})
		if err != nil || len(page) != 1 {
			t.Fatalf("list: %d cases, %v", len(page), err)
		}
		one, err := d.s.CaseByID(ctx, d.people["desk1"], filed.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []*kasuhara.Case{&page[0], one} {
			for name, pair := range map[string][2]time.Time{
				"occurred_at":     {got.Report.OccurredAt, r.OccurredAt},
				"created_at":      {got.CreatedAt, filed.CreatedAt},
				"updated_at":      {got.UpdatedAt, filed.UpdatedAt},
				"acknowledge_by":  {got.AcknowledgeBy, filed.AcknowledgeBy},
				"feedback_by":     {got.FeedbackBy, filed.FeedbackBy},
				"acknowledged_at": {got.AcknowledgedAt, time.Time{}},
				"closed_at":       {got.ClosedAt, time.Time{}},
			} {
				if !pair[0].Equal(pair[1]) || pair[0].Location() != time.UTC {
					t.Errorf("%s read back as %v, want %v in UTC", name, pair[0], pair[1])
				}
			}
		}
	})
}
