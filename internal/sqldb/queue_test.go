package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func queue(tx *sqldb.Tx, id int) error {
	return tx.Queue(context.Background(), "INSERT INTO group_test (id) VALUES ($1)", id)
}

// queueThen is a function that queues the row id, then does then.
func queueThen(id int, then func(tx *sqldb.Tx) error) func(*sqldb.Tx) error {
	return func(tx *sqldb.Tx) error {
		if err := queue(tx, id); err != nil {
			return err
		}
		return then(tx)
	}
}

// Queued statements keep every guarantee of the group commit: they run in
// order before the function's next statement, an error in one (returned by
// that next statement, or by the end of the function) rolls back only its
// function, and what a failed function queued is never kept.
func TestGroupCommitQueue(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		ctx := context.Background()
		dup := func(tx *sqldb.Tx) error { return queue(tx, 100000) } // the first caller's row
		members := []struct {
			name string
			fn   func(tx *sqldb.Tx) error
			ok   bool
			rows []int // the rows the function writes
		}{
			{"queued only", queueThen(0, func(tx *sqldb.Tx) error { return queue(tx, 1000) }), true, []int{0, 1000}},
			{"queued failure at the end", queueThen(1001, dup), false, []int{1001}},
			{"queued failure seen by a query", queueThen(2, func(tx *sqldb.Tx) error {
				if err := dup(tx); err != nil {
					return err
				}
				var n int
				return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM group_test").Scan(&n)
			}), false, []int{2}},
			{"a query sees what was queued", queueThen(3, func(tx *sqldb.Tx) error {
				var id int
				if err := tx.QueryRowContext(ctx, "SELECT id FROM group_test WHERE id = $1", 3).Scan(&id); err != nil {
					return fmt.Errorf("the queued row is not seen: %w", err)
				}
				return nil
			}), true, []int{3}},
			{"queued then executed", queueThen(4, func(tx *sqldb.Tx) error { return insert(tx, 1004) }), true, []int{4, 1004}},
			{"queued then refused", queueThen(5, func(*sqldb.Tx) error { return errors.New("refused") }), false, []int{5}},
			{"queued then panics", queueThen(6, func(*sqldb.Tx) error { panic("member panics") }), false, []int{6}},
			{"refused before any statement", func(tx *sqldb.Tx) error {
				return errors.New("refused")
			}, false, nil},
			{"queued in a hook", func(tx *sqldb.Tx) error {
				tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, 2008) })
				return queue(tx, 8)
			}, true, []int{8, 2008}},
			{"its hook dropped with it", func(tx *sqldb.Tx) error {
				tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, 2009) })
				return queueThen(9, dup)(tx)
			}, false, []int{9, 2009}},
		}
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, len(members))
		var wg sync.WaitGroup
		for i, m := range members {
			wg.Go(func() { outcomes[i] = callTx(ctx, db, m.fn) })
		}
		_, rows := settle(t, db, release, len(members), &wg)
		for i, m := range members {
			o := outcomes[i]
			if ok := o.err == nil && o.panicked == nil; ok != m.ok {
				t.Errorf("%s: told %+v, want success %v", m.name, o, m.ok)
			}
			for _, id := range m.rows {
				if rows[id] != m.ok {
					t.Errorf("%s: row %d present %v, want %v", m.name, id, rows[id], m.ok)
				}
			}
		}
		if o := outcomes[1]; !sqldb.IsUniqueViolation(o.err) {
			t.Errorf("the queued duplicate's caller was told %v, want its unique violation", o.err)
		}
	})
}

// On PostgreSQL a function that swallows the error of the statement its
// queued statements went with fails alone, and none of its writes is kept.
func TestGroupCommitQueueSwallowed(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.Postgres)
	groupTable(t, db)
	errs, first, rows := sharedBatch(t, db, 4, func(i int, tx *sqldb.Tx) error {
		if err := queue(tx, i); err != nil {
			return err
		}
		if i == 2 {
			if err := queue(tx, 100000); err != nil {
				return err
			}
			_ = insert(tx, 1002) // fails with the queued duplicate; swallowed
		}
		return nil
	})
	if first.err != nil {
		t.Errorf("first caller: %v", first.err)
	}
	for i, err := range errs {
		if want := i != 2; rows[i] != want || (err == nil) != want {
			t.Errorf("member %d told %v, row present %v", i, err, rows[i])
		}
	}
	if rows[1002] {
		t.Error("the swallowing member's statement was kept")
	}
}

// A query sent with queued statements answers the same values, of the same
// types, as one sent alone (PostgreSQL converts its answer itself there).
func TestGroupCommitQueuedQueryValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		ctx := context.Background()
		at := time.Date(2026, 12, 6, 15, 4, 5, 123456000, time.UTC)
		query := "SELECT COUNT(*), CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS BOOLEAN), CAST($4 AS TIMESTAMP), CAST(NULL AS TEXT) FROM group_test"
		if db.Engine == sqldb.Postgres {
			query = "SELECT COUNT(*), $1::bigint, $2::text, $3::boolean, $4::timestamptz, NULL::text, $5::bytea, 2.5::numeric, 7::int4, '{\"a\":1}'::jsonb FROM group_test"
		}
		read := func(tx *sqldb.Tx) (string, error) {
			args := []any{int64(42), "土下座", true, at}
			if db.Engine == sqldb.Postgres {
				args = append(args, []byte{0, 1, 2})
			}
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return "", err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			var b strings.Builder
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					return "", err
				}
				for _, v := range vals {
					fmt.Fprintf(&b, "%T %v|", v, v)
				}
			}
			return b.String(), rows.Err()
		}
		var alone, queued string
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := insert(tx, 1); err != nil {
				return err
			}
			var err error
			if alone, err = read(tx); err != nil {
				return err
			}
			if err := queue(tx, 2); err != nil {
				return err
			}
			queued, err = read(tx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The queued row is counted: COUNT(*), first, is the one value that
		// differs.
		want := "int64 2|" + strings.TrimPrefix(alone, "int64 1|")
		if queued != want || !strings.HasPrefix(alone, "int64 1|") {
			t.Errorf("with a queued statement:\n%s\nalone (and the queued row counted):\n%s", queued, want)
		}
	})
}

// A statement a hook queued is sent after the last hook; when it fails, the
// whole batch fails (as a failing hook does), nothing of it is kept, and
// the caller whose hook queued it is told why.
func TestGroupCommitQueuedHookFailure(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		errs, first, rows := sharedBatch(t, db, 4, func(i int, tx *sqldb.Tx) error {
			if i == 2 {
				tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, 100000) })
			} else {
				tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, 2000+i) })
			}
			return queue(tx, i)
		})
		if first.err == nil {
			t.Error("the first caller was told success")
		}
		for i, err := range errs {
			if rows[i] || rows[2000+i] || err == nil {
				t.Errorf("member %d told %v, rows present %v %v", i, err, rows[i], rows[2000+i])
			}
		}
		if !sqldb.IsUniqueViolation(errs[2]) {
			t.Errorf("the member whose hook queued the duplicate was told %v", errs[2])
		}
	})
}

// Bookkeeping sends what its function and hooks queued before its commit,
// and fails with the error of a queued statement.
func TestBookkeepingQueue(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		ctx := context.Background()
		err := db.Bookkeeping(ctx, func(tx *sqldb.Tx) error {
			tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, 2) })
			return queue(tx, 1)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Bookkeeping(ctx, func(tx *sqldb.Tx) error {
			if err := queue(tx, 3); err != nil {
				return err
			}
			return queue(tx, 1)
		})
		if !sqldb.IsUniqueViolation(err) {
			t.Errorf("a queued duplicate: %v", err)
		}
		rows := present(t, db)
		if !rows[1] || !rows[2] || rows[3] {
			t.Errorf("rows %v, want 1 and 2", rows)
		}
	})
}

// A function that sends and queues nothing (an audited read registers only
// its hook) costs no savepoint on PostgreSQL: alone in its transaction it
// is BEGIN, its hook's statements and COMMIT, three round trips (four
// before: the empty savepoint and its release). Sharing a batch with
// functions that fail and succeed, each keeps its own outcome. Both
// engines.
func TestGroupCommitEmptyFunction(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		hooked := func(id int) func(*sqldb.Tx) error {
			return func(tx *sqldb.Tx) error {
				tx.BeforeCommit(func(tx *sqldb.Tx) error { return queue(tx, id) })
				return nil
			}
		}
		before := db.RoundTrips()
		if err := db.Tx(context.Background(), hooked(1)); err != nil {
			t.Fatal(err)
		}
		if got := db.RoundTrips() - before; db.Engine == sqldb.Postgres && got != 3 {
			t.Errorf("a function with only a hook took %d round trips; want 3", got)
		}
		refused := errors.New("refused")
		errs, _, rows := sharedBatch(t, db, 6, func(i int, tx *sqldb.Tx) error {
			switch i % 3 {
			case 0:
				return hooked(10 + i)(tx)
			case 1:
				if err := insert(tx, 10+i); err != nil {
					return err
				}
				return refused
			}
			return queue(tx, 10+i)
		})
		for i, err := range errs {
			failed := i%3 == 1
			if (err != nil) != failed || rows[10+i] == failed {
				t.Errorf("member %d: told %v, row present %v", i, err, rows[10+i])
			}
		}
		if !rows[1] {
			t.Error("the hook's row of the function alone was lost")
		}
	})
}
