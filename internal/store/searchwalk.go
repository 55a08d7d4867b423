package store

import (
	"context"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/search"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// walkLimit is how many of the organisation's cases the first phase of a
// search on PostgreSQL reads, in the page's order, before it leaves the
// rest to the planner's statement (docs/performance.md, "The grown search
// on PostgreSQL").
const walkLimit = 1000

// walkBound is how many cases the walk reads: walkLimit, or the tests'.
func (s *Store) walkBound() int {
	if s.walkLimit > 0 {
		return s.walkLimit
	}
	return walkLimit
}

// walks reports whether the viewer's search on PostgreSQL starts with the
// bounded walk of the organisation's cases: a text search in the order of
// filing by a viewer whose cases are those of one organisation (the
// handlers, a supervisor of a department). A person who sees only the
// cases they reported, and the order by deadline, keep the one statement.
func (s *Store) walks(v kasuhara.Actor, f kasuhara.CaseFilter) bool {
	if s.db.Engine != sqldb.Postgres || f.Sort == "deadline" || len(search.QueryTokens(f.Query)) == 0 {
		return false
	}
	return access.Can(v.Role, access.HandleCases) || access.Can(v.Role, access.SuperviseCases) && v.DepartmentID != ""
}

// searchWalk builds the first phase of a search on PostgreSQL: the
// organisation's cases in the page's order from the cursor on, at most
// walkLimit of them, each checked against every condition of the page
// (visibility, filters, the text) on the way; up to fetch that pass, and
// the walk's last case whether it passes or not, so that the second phase
// can start after it.
//
// The organisation is hidden from the planner (org_id = (SELECT $n)): an
// organisation that grew after the last ANALYZE looks like one case to it,
// and it then read every case of the organisation through the smallest
// index and sorted them (13.7 ms of CPU for 20,000). Hidden, it walks
// cases_org_created in order and stops at the page or at walkLimit. The
// walk alone would read every case of a large organisation for a word it
// does not use (1.6 s at a million), hence the bound and the second phase,
// which is the page's own statement after the walk's last case: there the
// planner's statistics choose, the text index for a rare word.
func (s *Store) searchWalk(v kasuhara.Actor, f kasuhara.CaseFilter, fetch int) (casesQuery, error) {
	q := &qb{}
	visible(q, v)
	s.caseFilters(q, v, f)
	dir, cmp := "DESC", "<"
	if f.Sort == "oldest" {
		dir, cmp = "ASC", ">"
	}
	s.caseSearch(q, v, f.Query, dir)
	cond := "(" + strings.Join(q.where, " AND ") + ")"
	within := "c.org_id = (SELECT " + q.arg(v.OrgID) + ")"
	if f.Cursor != "" {
		cur, err := decodeCursor(f.Cursor)
		if err != nil {
			return casesQuery{}, err
		}
		// A row comparison, so that the cursor bounds the index scan
		// instead of filtering it.
		within += " AND (c.created_at, c.id) " + cmp + " (" + q.arg(cur.At) + ", " + q.arg(cur.ID) + ")"
	}
	order := "c.created_at " + dir + ", c.id " + dir
	cols := caseColumnsFor(s.db.Engine)
	if f.Summary {
		cols = summaryColumns[s.db.Engine]
	}
	k := q.arg(s.walkBound())
	query := "SELECT " + cols + ", COALESCE(c.search_id, 0), COALESCE(" + cond + ", FALSE), c.walked FROM (SELECT c.*, row_number() OVER (ORDER BY " + order +
		") AS walked FROM (SELECT * FROM cases c WHERE " + within + " ORDER BY " + order + " LIMIT " + k + ") c) c WHERE " +
		cond + " OR c.walked = " + k + " ORDER BY " + order + " LIMIT " + q.arg(fetch)
	return casesQuery{sql: query, args: q.args}, nil
}

// walkCases runs a search on PostgreSQL in two phases (searchWalk): the
// bounded walk, then, when it neither filled the page nor reached the end
// of the organisation's cases, the page's statement after the walk's last
// case for the rest of the page.
func (s *Store) walkCases(ctx context.Context, v kasuhara.Actor, f kasuhara.CaseFilter, pq casesQuery) ([]kasuhara.Case, []int64, error) {
	fetch := pq.limit + 1
	var hit bool
	var walked int64
	var hits []bool
	var last *cursor
	out, sids, err := s.queryCases(ctx, pq.walk.sql, pq.walk.args, f.Summary, fetch+1, []any{&hit, &walked}, func() { hits = append(hits, hit) })
	if err != nil {
		return nil, nil, err
	}
	n := 0
	for i := range out {
		if i == len(out)-1 && walked == int64(s.walkBound()) {
			last = &cursor{At: out[i].CreatedAt, ID: out[i].ID}
		}
		if hits[i] {
			out[n], sids[n] = out[i], sids[i]
			n++
		}
	}
	out, sids = out[:min(n, fetch)], sids[:min(n, fetch)]
	if len(out) == fetch || last == nil {
		return out, sids, nil
	}
	rest, err := s.pageSQL(v, f, encodeCursor(*last), fetch-len(out))
	if err != nil {
		return nil, nil, err
	}
	more, moreIDs, err := s.queryCases(ctx, rest.sql, rest.args, f.Summary, fetch-len(out), nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return append(out, more...), append(sids, moreIDs...), nil
}
