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
// nanoseconds — several at once so that they share a group commit. A
// report without evidence (named, or anonymous with its receipt) has its
// record state computed from the values written (no read-back); a customer
// met again, with an identifier new to the registry, is one customer. For
// every case the state its case.create entry
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
		metNew := report(d.shop.ID, "同じ客が別の連絡先で", "insult") // shapes[0]'s customer again, with an email not seen before
		metNew.Customer.Email = "yamada@example.jp"
		shapes = append(shapes, met, nameOnly, noCustomer, email, consult, metNew)

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
		heldReport := report("", "匿名で、確認待ち", "shouting")
		heldReport.HeldForReview = true
		held, _, err := d.s.FileAnonymousReport(ctx, "acme", heldReport)
		if err != nil {
			t.Fatal(err)
		}
		all := append(named, withEvidence, anon, held)
		if len(all) != len(shapes)+3 {
			t.Fatalf("%d cases filed, want %d", len(all), len(shapes)+3)
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
		// The customer met before is one customer, whatever the order of
		// the group commit, and the new email became one of its identifiers.
		var customers, emails int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(DISTINCT cc.customer_id) FROM case_customers cc JOIN cases c ON c.id = cc.case_id
			WHERE c.customer_phone = '090-1234-5678'`).Scan(&customers); err != nil {
			t.Fatal(err)
		}
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_identifiers i JOIN case_customers cc ON cc.customer_id = i.customer_id
			JOIN cases c ON c.id = cc.case_id WHERE c.conduct = '同じ客が別の連絡先で' AND i.kind = 'email' AND i.match_key = 'yamada@example.jp'`).Scan(&emails); err != nil {
			t.Fatal(err)
		}
		if customers != 1 || emails != 1 {
			t.Errorf("the customer met again: %d customers by its phone, %d of its email identifiers; want 1 and 1", customers, emails)
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

// TestCustomerRecognisedByStrongestIdentifier: a report whose phone is one
// customer's and whose email is another's goes to the customer of the phone
// (phone, email, account, handle, in that order); the other customer gains
// nothing. A customer registered without a name takes the name of a later
// report; a name is never overwritten.
func TestCustomerRecognisedByStrongestIdentifier(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk := d.people["clerk"]
		file := func(cust kasuhara.CustomerDetails) string {
			t.Helper()
			r := report(d.shop.ID, "怒鳴られた", "shouting")
			r.Customer = cust
			c := d.file(t, clerk, r)
			var id string
			if err := d.db.Read.QueryRowContext(ctx, "SELECT customer_id FROM case_customers WHERE case_id = $1", c.ID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		byEmail := file(kasuhara.CustomerDetails{Email: "kyaku@example.jp"})
		byPhone := file(kasuhara.CustomerDetails{Phone: "090-1111-2222"})
		if byEmail == byPhone {
			t.Fatal("two customers with nothing in common are one")
		}
		if got := file(kasuhara.CustomerDetails{Name: "鈴木 一郎", Email: "Kyaku@Example.jp", Phone: "09011112222"}); got != byPhone {
			t.Errorf("phone and email of two customers: linked to %s, want the phone's %s (the email's is %s)", got, byPhone, byEmail)
		}
		if got := file(kasuhara.CustomerDetails{Name: "別の名前", Phone: "090-1111-2222"}); got != byPhone {
			t.Errorf("the phone again: linked to %s, want %s", got, byPhone)
		}
		names := map[string]string{}
		rows, err := d.db.Read.QueryContext(ctx, "SELECT id, display_name FROM customers")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			names[id] = name
		}
		rows.Close()
		if len(names) != 2 || names[byPhone] != "鈴木 一郎" || names[byEmail] != "" {
			t.Errorf("customers = %q; want the phone's named 鈴木 一郎 (its first name), the email's unnamed", names)
		}
		var n int
		if err := d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM customer_identifiers WHERE customer_id = $1", byEmail).Scan(&n); err != nil || n != 1 {
			t.Errorf("the email's customer has %d identifiers, %v; want its own email only", n, err)
		}
		if err := d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM customer_identifiers WHERE customer_id = $1 AND kind = 'email'", byPhone).Scan(&n); err != nil || n != 1 {
			t.Errorf("the phone's customer has %d email identifiers, %v; want the email of the report that named both", n, err)
		}
	})
}
