package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// outcome is what one caller of Tx was told.
type outcome struct {
	err      error
	panicked any
}

func callTx(ctx context.Context, db *sqldb.DB, fn func(*sql.Tx) error) (o outcome) {
	defer func() { o.panicked = recover() }()
	o.err = db.Tx(ctx, fn)
	return o
}

func insert(tx *sql.Tx, id int) error {
	_, err := tx.Exec("INSERT INTO group_test (id) VALUES ($1)", id)
	return err
}

func present(t *testing.T, db *sqldb.DB) map[int]bool {
	t.Helper()
	rows, err := db.Read.Query("SELECT id FROM group_test")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int]bool{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		m[id] = true
	}
	return m
}

// holdCommitter makes the committer wait inside a transaction until the
// returned function is called, so that the callers started meanwhile are
// queued and share the next commits.
func holdCommitter(t *testing.T, db *sqldb.DB, id int) (release func() outcome) {
	entered, wait := make(chan struct{}), make(chan struct{})
	done := make(chan outcome, 1)
	go func() {
		done <- callTx(context.Background(), db, func(tx *sql.Tx) error {
			close(entered)
			<-wait
			return insert(tx, id)
		})
	}()
	<-entered
	return func() outcome { close(wait); return <-done }
}

// Every caller gets its own outcome: failures and panics are rolled back
// alone, cancelled callers never run, the rest are committed together.
func TestGroupCommitOutcomes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		if _, err := db.Write.Exec("CREATE TABLE group_test (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		commits0, _ := db.GroupCommits()
		release := holdCommitter(t, db, 100000)
		const n = 200
		outcomes := make([]outcome, n)
		var wg sync.WaitGroup
		for i := range n {
			ctx, cancel := context.WithCancel(context.Background())
			if i%11 == 0 {
				cancel()
			}
			wg.Go(func() {
				defer cancel()
				outcomes[i] = callTx(ctx, db, func(tx *sql.Tx) error {
					if err := insert(tx, i); err != nil {
						return err
					}
					switch {
					case i%5 == 0:
						return fmt.Errorf("member %d refuses", i)
					case i%7 == 0:
						panic(fmt.Sprintf("member %d panics", i))
					case i%13 == 0:
						return insert(tx, i) // a duplicate key: the statement fails
					}
					return nil
				})
			})
		}
		time.Sleep(200 * time.Millisecond) // let the callers queue up (not a timing assertion)
		if o := release(); o.err != nil || o.panicked != nil {
			t.Fatalf("the first caller: %+v", o)
		}
		wg.Wait()
		rows := present(t, db)
		if !rows[100000] {
			t.Error("the first caller's row is missing")
		}
		succeeded := 1
		for i, o := range outcomes {
			switch {
			case o.panicked != nil:
				if i%7 != 0 || i%5 == 0 || !strings.Contains(fmt.Sprint(o.panicked), fmt.Sprintf("member %d panics", i)) {
					t.Errorf("member %d panicked: %v", i, o.panicked)
				}
			case o.err != nil:
				if i%5 != 0 && i%11 != 0 && i%13 != 0 {
					t.Errorf("member %d failed: %v", i, o.err)
				}
				if i%11 == 0 && !errors.Is(o.err, context.Canceled) {
					t.Errorf("cancelled member %d: %v", i, o.err)
				}
			default:
				succeeded++
				if i%5 == 0 || i%7 == 0 || i%11 == 0 || i%13 == 0 {
					t.Errorf("member %d succeeded", i)
				}
			}
			if rows[i] != (o.err == nil && o.panicked == nil) {
				t.Errorf("member %d: told %+v, row present %v", i, o, rows[i])
			}
		}
		if len(rows) != succeeded {
			t.Errorf("%d rows for %d successes", len(rows), succeeded)
		}
		commits, _ := db.GroupCommits()
		if got := commits - commits0; got*4 > int64(n) {
			t.Errorf("%d callers took %d commits: they were not grouped", n, got)
		}
	})
}

// A function that ends the transaction itself fails its whole batch, and
// nothing of the batch is kept: success is only ever reported for what was
// committed.
func TestGroupCommitBatchFailure(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		if _, err := db.Write.Exec("CREATE TABLE group_test (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, 10)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i] = callTx(context.Background(), db, func(tx *sql.Tx) error {
					if err := insert(tx, i); err != nil {
						return err
					}
					if i == 4 {
						_, err := tx.Exec("ROLLBACK")
						return err
					}
					return nil
				})
			})
		}
		time.Sleep(200 * time.Millisecond)
		first := release()
		wg.Wait()
		rows := present(t, db)
		if rows[100000] != (first.err == nil) {
			t.Errorf("first caller told %v, row present %v", first.err, rows[100000])
		}
		failed := 0
		for i, o := range outcomes {
			if o.err != nil {
				failed++
			}
			if rows[i] != (o.err == nil && o.panicked == nil) {
				t.Errorf("member %d: told %+v, row present %v", i, o, rows[i])
			}
		}
		if failed == 0 || rows[4] {
			t.Errorf("the member that ended the transaction: %+v, row %v", outcomes[4], rows[4])
		}
		// The committer goes on afterwards.
		if err := db.Tx(context.Background(), func(tx *sql.Tx) error { return insert(tx, 500) }); err != nil {
			t.Fatal(err)
		}
		if !present(t, db)[500] {
			t.Error("a later write was lost")
		}
	})
}

// A statement that has started is not interrupted when its caller's context
// ends: an interrupted write would roll back the whole shared transaction.
func TestGroupCommitIgnoresCancellationOnceStarted(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		slow := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c"
		if db.Engine == sqldb.Postgres {
			slow = "SELECT count(*) FROM (SELECT pg_sleep(0.5)) s"
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		var n int
		err := db.Tx(ctx, func(tx *sql.Tx) error { return tx.QueryRowContext(ctx, slow).Scan(&n) })
		if err != nil || n == 0 {
			t.Fatalf("the running statement was interrupted: %d, %v", n, err)
		}
		// A context that has ended before the call is refused.
		if err := db.Tx(ctx, func(*sql.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled caller ran: %v", err)
		}
		// Reads stay cancellable.
		ctx2, cancel2 := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel2() }()
		if err := db.Read.QueryRowContext(ctx2, slow).Scan(&n); err == nil {
			t.Error("a read ignored its cancellation")
		}
	})
}

// Tx after Close fails instead of hanging.
func TestGroupCommitAfterClose(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	if err := db.Tx(context.Background(), func(*sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Tx(context.Background(), func(*sql.Tx) error { return nil }); err == nil {
		t.Error("Tx after Close succeeded")
	}
}

// BeforeCommit's functions run after every function of the batch, in
// order; those of a function that failed are dropped; one that fails fails
// the batch.
func TestGroupCommitBeforeCommit(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		if _, err := db.Write.Exec("CREATE TABLE group_test (id INTEGER PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var order []string
		note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, 6)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i] = callTx(context.Background(), db, func(tx *sql.Tx) error {
					note(fmt.Sprint("fn", i))
					if err := db.BeforeCommit(tx, func(tx *sql.Tx) error {
						note(fmt.Sprint("hook", i))
						return insert(tx, 1000+i)
					}); err != nil {
						return err
					}
					if i == 3 {
						return errors.New("member 3 refuses")
					}
					return insert(tx, i)
				})
			})
		}
		time.Sleep(200 * time.Millisecond)
		release()
		wg.Wait()
		rows := present(t, db)
		for i, o := range outcomes {
			if (o.err == nil) != (i != 3) || rows[i] != (i != 3) || rows[1000+i] != (i != 3) {
				t.Errorf("member %d: %v, rows %v %v", i, o.err, rows[i], rows[1000+i])
			}
		}
		// Every hook ran after every function of its batch.
		lastFn, firstHook := -1, len(order)
		for k, s := range order {
			if strings.HasPrefix(s, "fn") {
				lastFn = k
			} else if k < firstHook {
				firstHook = k
			}
			if s == "hook3" {
				t.Error("the hook of the failed member ran")
			}
		}
		if lastFn > firstHook {
			t.Errorf("a hook ran before a function of its batch: %v", order)
		}
		// A failing hook fails its batch: nothing of it is kept.
		err := db.Tx(context.Background(), func(tx *sql.Tx) error {
			if err := insert(tx, 7); err != nil {
				return err
			}
			return db.BeforeCommit(tx, func(*sql.Tx) error { return errors.New("hook fails") })
		})
		if err == nil || present(t, db)[7] {
			t.Errorf("a failing hook: %v, row kept %v", err, present(t, db)[7])
		}
	})
}
