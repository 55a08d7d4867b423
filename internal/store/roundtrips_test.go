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
// release, BEGIN and COMMIT. It is 8: BEGIN; the savepoint with the case;
// its categories and tasks with the release; then at the end of the batch
// the customer registry's statement with its identifiers' locks; the case
// numbers of the batch; the audit lock with the chain's head (after the
// numbers, the first event, the jobs and the statistics, queued); the
// audit entries, record states and the head's update; COMMIT. Under load
// BEGIN, the numbers, the chain's head, the entries and COMMIT are shared
// by the reports of a batch: 3 + 5/k for each of k reports (it was
// 4 + 4/k, with a case number for each report).
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
