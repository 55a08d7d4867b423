package store

import (
	"context"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// TokenTouchWait lets tests shorten how long a request waits to record its
// token's use.
var TokenTouchWait = &tokenTouchWait

// PageQuery returns the SQL and arguments of the page of cases that Cases
// runs, for tests that read its plan.
func (s *Store) PageQuery(v kasuhara.Actor, f kasuhara.CaseFilter) (string, []any, error) {
	pq, err := s.pageQuery(v, f)
	return pq.sql, pq.args, err
}

// RecordStatesRead returns the record states of group scope as the audit
// reads them from the rows (recordStates), for tests that compare them with
// the states an entry recorded.
func RecordStatesRead(db *sqldb.DB, scope string) ([]audit.RecordState, error) {
	return recordStates(context.Background(), db.Read, scope)
}
