package store_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// Reports of two organisations, anonymous reports and receipt checks at
// once, from many callers: on PostgreSQL four batches run at once
// (--pg-committers 4) and
// contend for the same case counters, statistics and audit chain, on SQLite
// one writer runs them. Every call succeeds (no deadlock fails one), the
// audit chain verifies as one chain, the records' states agree, and each
// organisation's case numbers run from 1 without a gap or a repeat, each
// named by its first timeline event; no provisional number is left; the
// customer that every report names is registered once.
func TestConcurrentBatchesTwoOrgs(t *testing.T) {
	testdb.RunWith(t, sqldb.Options{Committers: 4}, func(t *testing.T, db *sqldb.DB) {
		d := setupDesk(t, db)
		other, err := d.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "other-clerk@example.jp", Name: "other clerk",
			Password: "long-enough-pw", OrgID: d.other.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		otherClerk := kasuhara.Actor{UserID: other.ID, OrgID: d.other.ID, Role: kasuhara.RoleEmployee}
		// Receipts to check while the reports come in.
		var receipts []string
		for i := range 4 {
			r := report("", fmt.Sprintf("匿名の報告 %d", i), "insult")
			_, receipt, err := d.s.FileAnonymousReport(ctx, "acme", r)
			if err != nil {
				t.Fatal(err)
			}
			receipts = append(receipts, receipt)
		}
		const rounds, perOrg = 3, 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		fail := func(err error) {
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
		for round := range rounds {
			for i := range perOrg {
				wg.Go(func() {
					_, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, fmt.Sprintf("同時 %d-%d", round, i), "insult"))
					fail(err)
				})
				wg.Go(func() {
					_, err := d.s.FileReport(ctx, otherClerk, report("", fmt.Sprintf("他社 %d-%d", round, i), "insult"))
					fail(err)
				})
				wg.Go(func() {
					_, err := d.s.CaseByReceipt(ctx, receipts[i%len(receipts)])
					fail(err)
				})
				if i%4 == 0 {
					wg.Go(func() {
						_, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", fmt.Sprintf("匿名 %d-%d", round, i), "insult"))
						fail(err)
					})
				}
			}
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d calls failed, the first: %v", len(errs), errs[0])
		}
		if count, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit chain (%d entries): %+v %v", count, problem, err)
		}
		if check, err := d.s.VerifyRecords(ctx); err != nil || len(check.Problems) > 0 {
			t.Fatalf("records: %+v %v", check, err)
		}
		year := time.Now().In(calendar.JST).Year()
		for _, org := range []string{d.org.ID, d.other.ID} {
			rows, err := d.db.Read.QueryContext(ctx, `SELECT c.ref, e.data FROM cases c
				JOIN case_events e ON e.case_id = c.id AND e.kind = $2 WHERE c.org_id = $1`, org, kasuhara.EventReported)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for rows.Next() {
				var ref, data string
				if err := rows.Scan(&ref, &data); err != nil {
					t.Fatal(err)
				}
				n, ok := strings.CutPrefix(ref, fmt.Sprintf("K-%d-", year))
				num, err := strconv.Atoi(n)
				if !ok || err != nil {
					t.Errorf("case number %q", ref)
					continue
				}
				if !strings.Contains(data, `"ref":"`+ref+`"`) {
					t.Errorf("the first event of %s names another number: %s", ref, data)
				}
				got = append(got, num)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			var all int
			d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases WHERE org_id = $1", org).Scan(&all)
			if all != len(got) || all < rounds*perOrg {
				t.Errorf("%d cases, %d with their first event, want at least %d", all, len(got), rounds*perOrg)
			}
			// Every report names the same customer: one entry in the
			// registry, found by the batches that came after the first.
			var customers int
			d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers WHERE org_id = $1", org).Scan(&customers)
			if customers != 1 {
				t.Errorf("%d customers of one telephone number, want 1", customers)
			}
			slices.Sort(got)
			for i, n := range got {
				if n != i+1 {
					t.Fatalf("the numbers are not 1…%d without gaps or repeats: %v", len(got), got)
				}
			}
		}
		var provisional int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases WHERE ref LIKE '~%'").Scan(&provisional)
		if provisional != 0 {
			t.Errorf("%d cases kept a provisional number", provisional)
		}
	})
}
