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

// TraceCaseQueries makes the store hand every statement of a page of cases
// to fn before it runs (nil stops it).
func (s *Store) TraceCaseQueries(fn func(query string, args []any)) { s.traceQuery = fn }

// WalkLimit is how many cases the first phase of a search on PostgreSQL
// reads.
const WalkLimit = walkLimit

// SetWalkLimit makes the first phase of a search on PostgreSQL read n
// cases instead of WalkLimit.
func (s *Store) SetWalkLimit(n int) { s.walkLimit = n }

// SearchOnePass returns the ids of every case of f's search, in order, as
// the page's single statement finds them without the walk (the reference
// for the two phases).
func (s *Store) SearchOnePass(ctx context.Context, v kasuhara.Actor, f kasuhara.CaseFilter) ([]string, error) {
	pq, err := s.pageSQL(v, f, "", 100000)
	if err != nil {
		return nil, err
	}
	out, _, err := s.queryCases(ctx, pq.sql, pq.args, f.Summary, 0, nil, nil)
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	return ids, err
}

// RecordStatesRead returns the record states of group scope as the audit
// reads them from the rows (recordStates), for tests that compare them with
// the states an entry recorded.
func RecordStatesRead(db *sqldb.DB, scope string) ([]audit.RecordState, error) {
	return recordStates(context.Background(), db.Read, scope)
}

// BaselineAsBefore records the present state of group typ id by an audited
// entry (records.baseline), as a release before the kinds that extend
// another (recordQuery.extends) recorded it: without them.
func (s *Store) BaselineAsBefore(ctx context.Context, typ, id string) error {
	var before []recordQuery
	for _, q := range recordQueries[typ] {
		if q.extends == "" {
			before = append(before, q)
		}
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		states, err := readRecordStates(ctx, tx, typ+" "+id, before)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: kasuhara.CLIActor, action: "records.baseline", objectType: typ, objectID: id,
			records: func() []audit.RecordState { return states }})
	})
}
