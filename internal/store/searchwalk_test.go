package store_test

import (
	"encoding/json"
	"io"
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestSearchWalkMatchesOnePass: the search in two phases on PostgreSQL
// (the bounded walk of the organisation's cases, then the page's own
// statement after it) gives, page after page, exactly the cases and order
// of the single statement, for a common word, a rare one, one the
// organisation does not use, one only another organisation uses and a
// case number; never a case of another organisation, one the desk member
// was excluded from, or one hidden from supervisors to a supervisor. The
// walk is shortened to 25 cases so that every path is taken: the page
// filled by the walk, the walk followed by the statement, the walk that
// reached the last case. On SQLite the search is one statement; the same
// answers are checked.
func TestSearchWalkMatchesOnePass(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		st := newStore(t, db)
		if err := demo.Seed(ctx, st, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := demo.Cases(ctx, st, "demo-retail", 300, 7, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := demo.Cases(ctx, st, "demo-call", 20, 8, io.Discard); err != nil {
			t.Fatal(err)
		}
		st.SetWalkLimit(25)
		desk := demoDesk(t, st, "demo-retail")
		call := demoDesk(t, st, "demo-call")
		ids := orgCaseIDs(t, db, desk.OrgID)
		callIDs := orgCaseIDs(t, db, call.OrgID)
		if len(ids) < 300 || len(callIDs) < 2 {
			t.Fatalf("seeded %d and %d cases", len(ids), len(callIDs))
		}
		var dep string
		if err := db.Read.QueryRowContext(ctx, "SELECT department_id FROM cases WHERE id = $1", ids[120]).Scan(&dep); err != nil {
			t.Fatal(err)
		}
		// The rare word: four cases of the retailer from the newest to the
		// oldest, one the desk member is excluded from, one hidden from
		// supervisors, and one of the call centre; all in the supervisor's
		// department.
		choc := []string{ids[0], ids[40], ids[100], ids[120], ids[150], ids[len(ids)-1], callIDs[0]}
		for _, id := range choc {
			testdb.Exec(t, db, "UPDATE cases SET conduct = 'チョコレートの返品を要求した。' WHERE id = $1", id)
			if id != callIDs[0] {
				testdb.Exec(t, db, "UPDATE cases SET department_id = $1 WHERE id = $2", dep, id)
			}
		}
		for _, id := range callIDs[:2] {
			testdb.Exec(t, db, "UPDATE cases SET conduct = 'ピラミッドの前で怒鳴った。' WHERE id = $1", id)
		}
		for _, id := range append(choc, callIDs[1]) {
			testdb.Exec(t, db, "INSERT INTO search_rebuild (case_id) VALUES ($1)", id)
		}
		if _, err := st.RebuildSearch(ctx); err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, db, "INSERT INTO case_exclusions (case_id, user_id) VALUES ($1, $2)", ids[100], desk.UserID)
		testdb.Exec(t, db, "UPDATE cases SET hide_from_supervisor = TRUE WHERE id = $1", ids[120])
		supervisor := kasuhara.Actor{OrgID: desk.OrgID, UserID: "a-supervisor", Role: kasuhara.RoleSupervisor, DepartmentID: dep}

		var ref string
		if err := db.Read.QueryRowContext(ctx, "SELECT ref FROM cases WHERE id = $1", ids[5]).Scan(&ref); err != nil {
			t.Fatal(err)
		}
		var statements []int // per page on PostgreSQL: 1 the walk alone, 2 the walk and the statement
		n := 0
		st.TraceCaseQueries(func(string, []any) { n++ })
		pages := func(v kasuhara.Actor, f kasuhara.CaseFilter) []string {
			t.Helper()
			var got []string
			for range 1000 {
				n = 0
				list, next, err := st.Cases(ctx, v, f)
				if err != nil {
					t.Fatal(err)
				}
				statements = append(statements, n)
				for _, c := range list {
					if c.OrgID != v.OrgID {
						t.Fatalf("%q: case %s of another organisation", f.Query, c.Ref)
					}
					got = append(got, c.ID)
				}
				if next == "" {
					return got
				}
				f.Cursor = next
			}
			t.Fatalf("%q: the pages do not end", f.Query)
			return nil
		}
		for _, v := range []kasuhara.Actor{desk, supervisor} {
			for _, word := range []string{"土下座", "チョコレート", "refund", "ピラミッド", "存在しない言葉", ref} {
				for _, sort := range []string{"", "oldest"} {
					for _, limit := range []int{1, 7} {
						// The desk's queue reads a summary: the same cases.
						f := kasuhara.CaseFilter{Query: word, Sort: sort, Limit: limit, Summary: limit == 7}
						want, err := st.SearchOnePass(ctx, v, f)
						if err != nil {
							t.Fatal(err)
						}
						if got := pages(v, f); !slices.Equal(got, want) {
							t.Errorf("%s %q sort %q limit %d: pages give %d cases %v, the single statement %d %v",
								v.Role, word, sort, limit, len(got), got, len(want), want)
						}
					}
				}
			}
		}
		// The rare word, independently of either statement.
		for _, c := range []struct {
			v    kasuhara.Actor
			want []string
		}{
			{desk, []string{ids[0], ids[40], ids[120], ids[150], ids[len(ids)-1]}},
			{supervisor, []string{ids[0], ids[40], ids[100], ids[150], ids[len(ids)-1]}},
		} {
			got := pages(c.v, kasuhara.CaseFilter{Query: "チョコレート", Limit: 2})
			if db.Engine == sqldb.SQLite {
				// SQLite's search gives the order of filing (search_id),
				// not of the dates the demo generator gave.
				slices.Sort(got)
				slices.Sort(c.want)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: チョコレート gives %v, want %v", c.v.Role, got, c.want)
			}
		}
		if got := pages(desk, kasuhara.CaseFilter{Query: "ピラミッド", Limit: 5}); len(got) != 0 {
			t.Errorf("the call centre's word found %v in the retailer", got)
		}
		if db.Engine == sqldb.Postgres {
			for _, k := range []int{1, 2} {
				if !slices.Contains(statements, k) {
					t.Errorf("no page took %d statements: %v", k, statements)
				}
			}
		}
	})
}

// orgCaseIDs is the ids of the organisation's cases, newest first.
func orgCaseIDs(t *testing.T, db *sqldb.DB, orgID string) []string {
	t.Helper()
	rows, err := db.Read.QueryContext(ctx, "SELECT id FROM cases WHERE org_id = $1 ORDER BY created_at DESC, id DESC", orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// casesExamined runs query under EXPLAIN ANALYZE on PostgreSQL and returns
// how many rows of cases its scans read (returned or removed by a filter
// or a recheck, times their loops), and the plan.
func casesExamined(t *testing.T, db *sqldb.DB, query string, args []any) (int, string) {
	t.Helper()
	var out string
	if err := db.Read.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+query, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", out, err)
	}
	var walk func(n planNode) int
	walk = func(n planNode) int {
		rows := 0
		if n.Relation == "cases" {
			rows = int((n.Rows + n.Filtered + n.Rechecked) * n.Loops)
		}
		for _, c := range n.Plans {
			rows += walk(c)
		}
		return rows
	}
	return walk(plans[0].Plan), out
}

type planNode struct {
	Type      string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	Rows      float64    `json:"Actual Rows"`
	Loops     float64    `json:"Actual Loops"`
	Filtered  float64    `json:"Rows Removed by Filter"`
	Rechecked float64    `json:"Rows Removed by Index Recheck"`
	Plans     []planNode `json:"Plans"`
}
