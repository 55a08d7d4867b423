package store

import (
	"strings"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// unprobed writes every parameter of q as +$N on SQLite, for a statement
// that runs again and again with other values (each request, each report,
// each notification). With the statistics of ANALYZE (STAT4), SQLite plans
// a statement for the values of the bare parameters it compares with an
// indexed column and marks them: binding another value expires the
// statement, and its next step parses and plans it anew, so the statement
// cache saves it nothing (docs/performance.md). A parameter under unary
// plus, a no-op on any value, is not probed: the statement is planned once,
// from the average rows per key of sqlite_stat1. q must have no $ but its
// parameters. PostgreSQL has no unary plus for text; q is left as it is.
// TestReportNotReprepared and TestReadsNotReprepared keep the hot
// statements compiled once.
func unprobed(e sqldb.Engine, q string) string {
	if e != sqldb.SQLite {
		return q
	}
	return strings.ReplaceAll(q, "$", "+$")
}
