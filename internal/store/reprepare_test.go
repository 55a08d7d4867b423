package store_test

import (
	"io"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestListNotReprepared: the statement of a page of cases runs again, for
// another organisation's desk or another page, without SQLite compiling it
// again. With the statistics of ANALYZE (STAT4), SQLite plans a statement
// with the values of the parameters compared to an indexed column and
// marks them: binding any of them again expires the statement, and its
// next step parses and plans it anew. The list was compiled on every run,
// a fifth of its time on SQLite (issue 21), so the statement cache saved
// it nothing. The test runs each page through the store on one reader
// connection and reads SQLITE_STMTSTATUS_REPREPARE of its cached statement
// (sqldb.ReaderReprepares), and checks the page's plan.
func TestListNotReprepared(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	db.Read.SetMaxOpenConns(1) // every read on the connection whose statements are read
	st := newStore(t, db)
	if err := demo.Seed(ctx, st, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := demo.Cases(ctx, st, "demo-retail", 600, 7, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := demo.Cases(ctx, st, "demo-call", 300, 8, io.Discard); err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, db, "ANALYZE")
	retail, call := demoDesk(t, st, "demo-retail"), demoDesk(t, st, "demo-call")
	// The cursors of the second and third pages of the retailer.
	page := kasuhara.CaseFilter{Limit: 20, Summary: true}
	_, second, err := st.Cases(ctx, retail, page)
	if err != nil || second == "" {
		t.Fatalf("first page: cursor %q, %v", second, err)
	}
	page.Cursor = second
	_, third, err := st.Cases(ctx, retail, page)
	if err != nil || third == "" {
		t.Fatalf("second page: cursor %q, %v", third, err)
	}

	filtered := kasuhara.CaseFilter{Limit: 50, State: kasuhara.StateInProgress, Category: kasuhara.CatViolenceAbuse}
	deadline := kasuhara.CaseFilter{Sort: "deadline", Open: true}
	// The cursors of the second and third pages by deadline.
	byDue := kasuhara.CaseFilter{Sort: "deadline", Open: true, Limit: 20}
	_, dueSecond, err := st.Cases(ctx, retail, byDue)
	if err != nil || dueSecond == "" {
		t.Fatalf("first page by deadline: cursor %q, %v", dueSecond, err)
	}
	byDue.Cursor = dueSecond
	_, dueThird, err := st.Cases(ctx, retail, byDue)
	if err != nil || dueThird == "" {
		t.Fatalf("second page by deadline: cursor %q, %v", dueThird, err)
	}
	dueNext := func(cur string) kasuhara.CaseFilter {
		return kasuhara.CaseFilter{Sort: "deadline", Open: true, Limit: 20, Cursor: cur}
	}
	for _, c := range []struct {
		name string
		runs []struct {
			v kasuhara.Actor
			f kasuhara.CaseFilter
		}
		plan string // the plan's first step
	}{
		{"first page, two organisations", runsOf(retail, kasuhara.CaseFilter{Limit: 50}, call, kasuhara.CaseFilter{Limit: 50}),
			"SEARCH c USING INDEX cases_org_created (org_id=?)"},
		// The page of a category walks the category's rows of the
		// organisation in the state (migration 0054).
		{"filtered page, two organisations", runsOf(retail, filtered, call, filtered),
			"SEARCH cc USING COVERING INDEX case_categories_org_state (org_id=? AND category=? AND state=?)"},
		{"next pages", runsOf(retail, kasuhara.CaseFilter{Limit: 20, Cursor: second}, retail, kasuhara.CaseFilter{Limit: 20, Cursor: third}),
			"SEARCH c USING INDEX cases_org_created (org_id=? AND created_at<?)"},
		// The order by deadline walks the organisation's clocks in order:
		// planned from the averages of sqlite_stat1 without the index
		// named, it sorted the open cases (cases_org_open); with its bare
		// parameters it was planned again on every run.
		{"deadline order, two organisations", runsOf(retail, deadline, call, deadline),
			"SEARCH c USING INDEX cases_org_next_due (org_id=? AND next_due>?)"},
		{"deadline order, next pages", runsOf(retail, dueNext(dueSecond), retail, dueNext(dueThird)),
			"SEARCH c USING INDEX cases_org_next_due (org_id=? AND next_due>?)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var queries []string
			var args [][]any
			for _, r := range c.runs {
				q, a, err := st.PageQuery(r.v, r.f)
				if err != nil {
					t.Fatal(err)
				}
				queries, args = append(queries, q), append(args, a)
			}
			if queries[0] != queries[1] {
				t.Fatalf("the two pages are two statements:\n%s\n%s", queries[0], queries[1])
			}
			plan := explain(t, db, queries[0], args[0])
			if first, _, _ := strings.Cut(plan, "\n"); first != c.plan || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan\n%s\nwant it to start with %s, without sorting", plan, c.plan)
			}
			for _, r := range c.runs {
				list, _, err := st.Cases(ctx, r.v, r.f)
				if err != nil || len(list) == 0 {
					t.Fatalf("%d cases: %v", len(list), err)
				}
			}
			counts, err := db.ReaderReprepares(ctx)
			if err != nil {
				t.Fatal(err)
			}
			reprepared, ok := counts[queries[0]]
			if !ok {
				t.Fatalf("the page's statement is not in the reader's cache")
			}
			if reprepared != 0 {
				t.Errorf("the statement was compiled again %d times in 2 runs:\n%s", reprepared, queries[0])
			}
		})
	}
}

func runsOf(v1 kasuhara.Actor, f1 kasuhara.CaseFilter, v2 kasuhara.Actor, f2 kasuhara.CaseFilter) []struct {
	v kasuhara.Actor
	f kasuhara.CaseFilter
} {
	return []struct {
		v kasuhara.Actor
		f kasuhara.CaseFilter
	}{{v1, f1}, {v2, f2}}
}
