package store_test

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestReportStatementCount counts the SQL statements a named report costs
// on SQLite (the second report of the organisation, so that nothing is
// first-time work), so that the count cannot creep back up unnoticed. It
// was 39 (issue 21 counted 40): the settings read twice, the categories and
// the playbook's tasks one row at a time, the case updated after its first
// event, and the search index reading back the case just written. It is 25:
// one settings read, multi-row inserts, the search index written with the
// case. The goal is 15; what remains is the record state read back at the
// end of the batch (four reads), the audit head, and two job rows.
func TestReportStatementCount(t *testing.T) {
	d := setupDesk(t, testdb.Open(t, sqldb.SQLite))
	clerk := d.people["clerk"]
	r := report(d.shop.ID, "大声で怒鳴り、土下座を要求した", "shouting", "kneeling_demand")
	d.file(t, clerk, r)
	stop := d.db.TraceStatements()
	d.file(t, clerk, r)
	stmts := stop()
	for i, s := range stmts {
		t.Logf("%2d %s", i+1, strings.Join(strings.Fields(s), " "))
	}
	const most = 25
	if len(stmts) > most {
		t.Errorf("a report took %d statements; at most %d", len(stmts), most)
	}
}
