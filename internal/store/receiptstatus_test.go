package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestReceiptStatusCost counts what an anonymous status check
// (ReceiptStatus, after the web layer's one read of wrong receipts) costs,
// so that it cannot creep up: on SQLite five statements (the case by its
// receipt, the audit head read, the audit entry, the head written, the
// messages); on PostgreSQL the same reads on the pool and four round trips
// of the writer for the audit entry of the read (BEGIN; the chain's lock
// and head; the entry and the head; COMMIT). It was five on PostgreSQL:
// the function that only registers the audit's hook sent an empty
// savepoint and its release in a round trip of their own.
func TestReceiptStatusCost(t *testing.T) {
	for _, c := range []struct {
		engine            sqldb.Engine
		statements, trips int
	}{{sqldb.SQLite, 5, 0}, {sqldb.Postgres, 0, 4}} {
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
