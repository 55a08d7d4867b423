package store

import "github.com/kasuhara/kasuhara"

// TokenTouchWait lets tests shorten how long a request waits to record its
// token's use.
var TokenTouchWait = &tokenTouchWait

// PageQuery returns the SQL and arguments of the page of cases that Cases
// runs, for tests that read its plan.
func (s *Store) PageQuery(v kasuhara.Actor, f kasuhara.CaseFilter) (string, []any, error) {
	pq, err := s.pageQuery(v, f)
	return pq.sql, pq.args, err
}
