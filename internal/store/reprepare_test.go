package store_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// TestListNotReprepared: the statement of a page of cases runs again, for
// another organisation's desk or another page, without SQLite compiling it
// again. With the statistics of ANALYZE (STAT4), SQLite plans a statement
// with the values of the parameters compared to an indexed column and
// marks them: binding any of them again expires the statement, and its
// next step parses and plans it anew. The list was compiled on every run,
// a fifth of its time on SQLite (issue 21), so the statement cache saved
// it nothing.
//
// The database/sql driver does not give the statement's counters, so the
// test runs the page's SQL through the SQLite library itself, binding the
// arguments as the driver does (text, integers, times as text), and reads
// SQLITE_STMTSTATUS_REPREPARE.
func TestListNotReprepared(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
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
	for _, c := range []struct {
		name string
		runs []struct {
			v kasuhara.Actor
			f kasuhara.CaseFilter
		}
		plan string // the plan's first step
		// planned: the page keeps its bare parameters, and SQLite plans
		// it again for their values (the order by deadline: planned from
		// the averages it sorts the open cases instead of walking
		// cases_org_next_due).
		planned bool
	}{
		{"first page, two organisations", runsOf(retail, kasuhara.CaseFilter{Limit: 50}, call, kasuhara.CaseFilter{Limit: 50}),
			"SEARCH c USING INDEX cases_org_created (org_id=?)", false},
		{"filtered page, two organisations", runsOf(retail, filtered, call, filtered),
			"SEARCH c USING INDEX cases_org_state_created (org_id=? AND state=?)", false},
		{"next pages", runsOf(retail, kasuhara.CaseFilter{Limit: 20, Cursor: second}, retail, kasuhara.CaseFilter{Limit: 20, Cursor: third}),
			"SEARCH c USING INDEX cases_org_created (org_id=? AND created_at<?)", false},
		{"deadline order, two organisations", runsOf(retail, deadline, call, deadline),
			"SEARCH c USING INDEX cases_org_next_due (org_id=? AND next_due>?)", true},
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
			rows, reprepared := runTwice(t, db.Path, queries[0], args)
			if rows[0] == 0 || rows[1] == 0 {
				t.Fatalf("the pages had %v rows; want some in each", rows)
			}
			if c.planned {
				return
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

// sqliteHandles are where SQLite writes runTwice's connection and
// statement: a package variable, which does not move as a stack might.
var sqliteHandles [2]uintptr

// runTwice prepares query once on a connection of its own to the SQLite
// file at path, runs it with each set of arguments, and returns the rows of
// each run and how many times SQLite prepared the statement again.
func runTwice(t *testing.T, path, query string, args [][]any) (rows []int, reprepared int32) {
	t.Helper()
	tls := libc.NewTLS()
	defer tls.Close()
	cstr := func(s string) uintptr {
		p, err := libc.CString(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	handles := &sqliteHandles
	pDB := uintptr(unsafe.Pointer(&handles[0]))
	pStmt := uintptr(unsafe.Pointer(&handles[1]))
	fn := cstr(path)
	defer libc.Xfree(tls, fn)
	if rc := sqlite3.Xsqlite3_open_v2(tls, fn, pDB, sqlite3.SQLITE_OPEN_READONLY, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("open %s: %d", path, rc)
	}
	conn := handles[0]
	defer sqlite3.Xsqlite3_close_v2(tls, conn)
	fail := func(what string) {
		t.Helper()
		t.Fatalf("%s: %s", what, libc.GoString(sqlite3.Xsqlite3_errmsg(tls, conn)))
	}
	q := cstr(query)
	defer libc.Xfree(tls, q)
	if sqlite3.Xsqlite3_prepare_v2(tls, conn, q, -1, pStmt, 0) != sqlite3.SQLITE_OK {
		fail("prepare")
	}
	stmt := handles[1]
	defer sqlite3.Xsqlite3_finalize(tls, stmt)
	for _, a := range args {
		sqlite3.Xsqlite3_reset(tls, stmt)
		for i, v := range a {
			// SQLite numbers the parameters $1…$N in the order they
			// appear; the driver binds them by name, as here.
			name := cstr(fmt.Sprintf("$%d", i+1))
			defer libc.Xfree(tls, name)
			at := sqlite3.Xsqlite3_bind_parameter_index(tls, stmt, name)
			if at == 0 {
				t.Fatalf("no parameter $%d", i+1)
			}
			var rc int32
			switch v := v.(type) {
			case string:
				p := cstr(v)
				defer libc.Xfree(tls, p)
				rc = sqlite3.Xsqlite3_bind_text(tls, stmt, at, p, int32(len(v)), 0)
			case int:
				rc = sqlite3.Xsqlite3_bind_int64(tls, stmt, at, int64(v))
			case int64:
				rc = sqlite3.Xsqlite3_bind_int64(tls, stmt, at, v)
			case bool:
				b := int64(0)
				if v {
					b = 1
				}
				rc = sqlite3.Xsqlite3_bind_int64(tls, stmt, at, b)
			case time.Time:
				// As the driver writes a time with _time_format=sqlite.
				s := v.Format("2006-01-02 15:04:05.999999999-07:00")
				p := cstr(s)
				defer libc.Xfree(tls, p)
				rc = sqlite3.Xsqlite3_bind_text(tls, stmt, at, p, int32(len(s)), 0)
			default:
				t.Fatalf("argument %d of type %T", i+1, v)
			}
			if rc != sqlite3.SQLITE_OK {
				fail(fmt.Sprintf("bind %d", i+1))
			}
		}
		n := 0
		for {
			rc := sqlite3.Xsqlite3_step(tls, stmt)
			if rc == sqlite3.SQLITE_DONE {
				break
			}
			if rc != sqlite3.SQLITE_ROW {
				fail("step")
			}
			n++
		}
		rows = append(rows, n)
	}
	return rows, sqlite3.Xsqlite3_stmt_status(tls, stmt, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0)
}
