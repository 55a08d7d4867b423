package store_test

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// countStatements runs file with every SQL statement SQLite runs recorded,
// logs them and fails when they are more than most.
func countStatements(t *testing.T, db *sqldb.DB, what string, most int, file func()) {
	t.Helper()
	stop := db.TraceStatements()
	file()
	stmts := stop()
	for i, s := range stmts {
		t.Logf("%s %2d %s", what, i+1, strings.Join(strings.Fields(s), " "))
	}
	if len(stmts) > most {
		t.Errorf("%s took %d statements; at most %d", what, len(stmts), most)
	}
}

// TestReportStatementCount counts the SQL statements a named report costs
// on SQLite (the second report of the organisation, so that nothing is
// first-time work), so that the count cannot creep back up unnoticed. It
// was 39 (issue 21 counted 40): the settings read twice, the categories and
// the playbook's tasks one row at a time, the case updated after its first
// event, and the search index reading back the case just written. It was
// 25: one settings read, multi-row inserts, the search index written with
// the case. It was 19: the department checked by the case's INSERT, the
// clock job and the notification outbox job in one INSERT, and the record
// state of the new case for the audit's record hash computed from the
// values written instead of read back in four statements
// (TestKnownRecordStates proves it equal to the rows). It was 17: the
// customer registry (look-up, update, identifiers, link) is one upsert that
// finds the customer and counts which identifiers it has, and the link; the
// identifiers are written only when one is new (a new customer: one more).
// It is 15, the goal: the first function of a group commit runs
// without a savepoint (sqldb, TestGroupCommitFirstWithoutSavepoint). Six
// of the 15 are the batch's (search index, audit head read and write,
// statistics, audit entries, record states) and are shared by the reports
// of one group commit; under load a report costs about nine and its share
// of six, plus its savepoint.
func TestReportStatementCount(t *testing.T) {
	d := setupDesk(t, testdb.Open(t, sqldb.SQLite))
	clerk := d.people["clerk"]
	r := report(d.shop.ID, "大声で怒鳴り、土下座を要求した", "shouting", "kneeling_demand")
	d.file(t, clerk, r)
	countStatements(t, d.db, "a report of a customer met before", 15, func() { d.file(t, clerk, r) })
	r.Customer = kasuhara.CustomerDetails{Name: "鈴木 一郎", Phone: "080-1111-2222"}
	countStatements(t, d.db, "a report of a new customer", 16, func() { d.file(t, clerk, r) })
}

// TestAnonymousReportStatementCount counts an anonymous report's statements
// on SQLite (of a customer met before), as TestReportStatementCount does a
// named one's. It was 25: the receipt written by an UPDATE after the case's
// INSERT, so the case's record state read back in four statements, and the
// customer registry in four. It was 18: the receipt is written by the case's
// INSERT and the record state computed, the registry as a named report's;
// the organisation is looked up by its slug before its settings are read.
// It is 16: no savepoint for the first function of a group commit.
func TestAnonymousReportStatementCount(t *testing.T) {
	d := setupDesk(t, testdb.Open(t, sqldb.SQLite))
	r := report("", "匿名で報告します", "shouting")
	if _, _, err := d.s.FileAnonymousReport(ctx, "acme", r); err != nil {
		t.Fatal(err)
	}
	countStatements(t, d.db, "an anonymous report", 16, func() {
		if _, _, err := d.s.FileAnonymousReport(ctx, "acme", r); err != nil {
			t.Fatal(err)
		}
	})
}
