package store_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestReceiptStatusCost counts what an anonymous status check
// (ReceiptStatus, after the web layer's one read of wrong receipts) costs,
// so that it cannot creep up: on SQLite four statements (the case and its
// messages by the receipt, the audit head read, the audit entry, the head
// written); on PostgreSQL the same read on the pool and four round trips
// of the writer for the audit entry of the read (BEGIN; the chain's lock
// and head; the entry and the head; COMMIT). It was five on PostgreSQL:
// the function that only registers the audit's hook sent an empty
// savepoint and its release in a round trip of their own. It was five on
// SQLite (and a read more on PostgreSQL): the case and its messages in two
// statements.
func TestReceiptStatusCost(t *testing.T) {
	for _, c := range []struct {
		engine            sqldb.Engine
		statements, trips int
	}{{sqldb.SQLite, 4, 0}, {sqldb.Postgres, 5, 4}} {
		t.Run(string(c.engine), func(t *testing.T) {
			d := setupDesk(t, testdb.Open(t, c.engine))
			_, receipt, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名で報告します", "shouting"))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.s.ReceiptStatus(ctx, receipt); err != nil {
				t.Fatal(err)
			}
			before := d.db.RoundTrips()
			countStatements(t, d.db, "a status check", c.statements, func() {
				if _, _, err := d.s.ReceiptStatus(ctx, receipt); err != nil {
					t.Fatal(err)
				}
			})
			if got := d.db.RoundTrips() - before; got > int64(c.trips) {
				t.Errorf("a status check took %d round trips of the writer; at most %d", got, c.trips)
			}
		})
	}
}

// TestReceiptStatusAsCaseByReceipt (issue 21): ReceiptStatus, which reads
// the case and its messages in one statement, answers what CaseByReceipt
// and ReceiptMessages answer (the case as its reporter sees it, the messages
// oldest first, without a message, with one and with three), audits every
// check as CaseByReceipt does, refuses a wrong receipt without auditing it,
// and keeps a receipt of an earlier release (argon2id) again as a digest.
func TestReceiptStatusAsCaseByReceipt(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, receipt, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名で報告します", "shouting"))
		if err != nil {
			t.Fatal(err)
		}
		// Another anonymous case with a message, which must not show.
		other, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", "別の匿名報告", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddMessage(ctx, d.people["desk1"], other.ID, "別の案件への質問"); err != nil {
			t.Fatal(err)
		}
		reads := func() int {
			t.Helper()
			var n int
			if err := d.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'case.read' AND object_id = $1
				AND actor_label = 'anonymous' AND detail LIKE '%receipt%'`, c.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		same := func(want int) {
			t.Helper()
			before := reads()
			got, gotMs, err := d.s.ReceiptStatus(ctx, receipt)
			if err != nil {
				t.Fatal(err)
			}
			full, err := d.s.CaseByReceipt(ctx, receipt)
			if err != nil {
				t.Fatal(err)
			}
			if n := reads() - before; n != 2 {
				t.Fatalf("a status check and a CaseByReceipt wrote %d audited reads, want 2", n)
			}
			ms, err := d.s.ReceiptMessages(ctx, receipt)
			if err != nil {
				t.Fatal(err)
			}
			seen := kasuhara.Case{ID: full.ID, OrgID: full.OrgID, Ref: full.Ref, State: full.State, AcknowledgeBy: full.AcknowledgeBy, FeedbackBy: full.FeedbackBy}
			if !reflect.DeepEqual(*got, seen) || got.ID != c.ID || got.Ref == "" || got.AcknowledgeBy.IsZero() {
				t.Fatalf("ReceiptStatus's case %+v, want %+v", *got, seen)
			}
			if len(gotMs) != want || !slices.Equal(gotMs, ms) {
				t.Fatalf("ReceiptStatus's messages %+v, ReceiptMessages' %+v (want %d)", gotMs, ms, want)
			}
		}
		same(0)
		if _, err := d.s.AddMessage(ctx, d.people["desk1"], c.ID, "いつ頃のことですか？"); err != nil {
			t.Fatal(err)
		}
		same(1)
		if _, err := d.s.AddReceiptMessage(ctx, receipt, "昨日の夕方です"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddMessage(ctx, d.people["desk1"], c.ID, "ありがとうございます"); err != nil {
			t.Fatal(err)
		}
		same(3)

		before := reads()
		wrong := receipt[:len(receipt)-1] + map[bool]string{true: "A", false: "B"}[receipt[len(receipt)-1] != 'A']
		for _, bad := range []string{wrong, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "", "not a receipt"} {
			_, _, err := d.s.ReceiptStatus(ctx, bad)
			wantCode(t, err, kasuhara.ENOTFOUND)
		}
		if n := reads() - before; n != 0 {
			t.Fatalf("wrong receipts wrote %d audited reads", n)
		}

		// A receipt kept as an earlier release kept it.
		lookup, secret, _ := credential.ParseReceipt(receipt)
		old, err := credential.HashPassword(secret, d.s.Params)
		if err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, d.db, "UPDATE cases SET receipt_hash = '"+old+"' WHERE id = '"+c.ID+"'")
		_, _, err = d.s.ReceiptStatus(ctx, wrong)
		wantCode(t, err, kasuhara.ENOTFOUND)
		if got, ms, err := d.s.ReceiptStatus(ctx, receipt); err != nil || got.ID != c.ID || len(ms) != 3 {
			t.Fatalf("the receipt kept the old way: %+v, %d messages, %v", got, len(ms), err)
		}
		var hash string
		if err := d.db.Read.QueryRowContext(ctx, "SELECT receipt_hash FROM cases WHERE id = $1", c.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if hash != credential.ReceiptDigest(lookup, secret) {
			t.Fatalf("after a status check the receipt is kept as %q", hash)
		}
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("the audit chain: %+v, %v", problem, err)
		}
		if check, err := d.s.VerifyRecords(ctx); err != nil || len(check.Problems) > 0 {
			t.Fatalf("records: %+v, %v", check, err)
		}
	})
}
