package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestReportRoundTrips counts the round trips the PostgreSQL writer waits
// for while a named report is filed alone (the second of the organisation,
// as TestReportStatementCount): the committer's time on PostgreSQL is
// mostly these waits, and it writes nothing else meanwhile. Statements whose
// answer the report does not need are queued (sqldb.Tx.Queue) and go with
// the next one. It was 17 (20 before the customer registry's statements
// were folded into one): one for each statement, the savepoint and its
// release, BEGIN and COMMIT. It is 8: BEGIN; the savepoint with the case
// number; the case; its categories, tasks and first event with the
// customer registry's statement; the jobs with the release; the audit lock
// with the chain's head; the statistics, audit entries, record states and
// the head's update (the hooks); COMMIT. Under load the first, the last
// two and the chain's head are shared by the reports of a batch.
func TestReportRoundTrips(t *testing.T) {
	d := setupDesk(t, testdb.Open(t, sqldb.Postgres))
	clerk := d.people["clerk"]
	r := report(d.shop.ID, "大声で怒鳴り、土下座を要求した", "shouting", "kneeling_demand")
	d.file(t, clerk, r)
	before := d.db.RoundTrips()
	d.file(t, clerk, r)
	got := d.db.RoundTrips() - before
	t.Logf("%d round trips", got)
	const most = 8
	if got > most {
		t.Errorf("a report took %d round trips of the writer; at most %d", got, most)
	}
}
