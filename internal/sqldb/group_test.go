package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
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

func callTx(ctx context.Context, db *sqldb.DB, fn func(*sqldb.Tx) error) (o outcome) {
	defer func() { o.panicked = recover() }()
	o.err = db.Tx(ctx, fn)
	return o
}

func insert(tx *sqldb.Tx, id int) error {
	_, err := tx.ExecContext(context.Background(), "INSERT INTO group_test (id) VALUES ($1)", id)
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
	db.OneCommitter()
	entered, wait := make(chan struct{}), make(chan struct{})
	done := make(chan outcome, 1)
	go func() {
		done <- callTx(context.Background(), db, func(tx *sqldb.Tx) error {
			close(entered)
			<-wait
			return insert(tx, id)
		})
	}()
	<-entered
	return func() outcome { close(wait); return <-done }
}

// waitQueued waits until n callers wait for the committer that
// holdCommitter holds, so that they share the next commits.
func waitQueued(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for db.Waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d callers queued after a minute, want %d", db.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// settle waits until n callers are queued behind holdCommitter, releases it,
// waits for them, and checks that the first caller was told the truth; it
// returns the first caller's outcome and the rows present.
func settle(t *testing.T, db *sqldb.DB, release func() outcome, n int, wg *sync.WaitGroup) (outcome, map[int]bool) {
	t.Helper()
	waitQueued(t, db, n)
	first := release()
	wg.Wait()
	rows := present(t, db)
	if rows[100000] != (first.err == nil) {
		t.Errorf("first caller told %v, row present %v", first.err, rows[100000])
	}
	return first, rows
}

// sharedBatch runs n callers of fn, each given its index, while the
// committer is held, so that they share the next commits (settle), and
// returns their errors, the first caller's outcome and the rows present.
// A caller that panics is told an error here.
func sharedBatch(t *testing.T, db *sqldb.DB, n int, fn func(i int, tx *sqldb.Tx) error) (errs []error, first outcome, rows map[int]bool) {
	t.Helper()
	release := holdCommitter(t, db, 100000)
	errs = make([]error, n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			o := callTx(context.Background(), db, func(tx *sqldb.Tx) error { return fn(i, tx) })
			if errs[i] = o.err; o.panicked != nil {
				errs[i] = fmt.Errorf("panicked: %v", o.panicked)
			}
		})
	}
	first, rows = settle(t, db, release, n, &wg)
	return errs, first, rows
}

// Every caller gets its own outcome: failures and panics are rolled back
// alone, cancelled callers never run, the rest are committed together.
func TestGroupCommitOutcomes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
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
				outcomes[i] = callTx(ctx, db, func(tx *sqldb.Tx) error {
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
		waitQueued(t, db, n-(n+10)/11) // all but the cancelled ones, which never queue
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

// The first function of a batch runs without a savepoint on SQLite (two
// statements fewer for a report alone): when it fails or panics, nothing of
// it is kept and the committer goes on; a statement it swallows does not
// cost it the rest of its work on SQLite, as in a savepoint. Both engines.
func TestGroupCommitFirstWithoutSavepoint(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		ctx := context.Background()
		refused := errors.New("refused")
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := insert(tx, 1); err != nil {
				return err
			}
			return refused
		}); !errors.Is(err, refused) {
			t.Fatalf("a refusing first function: %v", err)
		}
		if o := callTx(ctx, db, func(tx *sqldb.Tx) error {
			if err := insert(tx, 2); err != nil {
				return err
			}
			panic("first function panics")
		}); o.panicked == nil {
			t.Fatalf("a panicking first function: %+v", o)
		}
		stop := db.TraceStatements()
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return insert(tx, 3) }); err != nil {
			t.Fatal(err)
		}
		stmts := stop()
		// On PostgreSQL, where a failed statement aborts the transaction,
		// the first function keeps its savepoint (the trace records it).
		for _, q := range stmts {
			if db.Engine == sqldb.SQLite && strings.Contains(strings.ToUpper(q), "SAVEPOINT") {
				t.Errorf("a function alone in its batch ran %q", q)
			}
		}
		if len(stmts) == 0 {
			t.Error("the trace recorded nothing")
		}
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			_ = insert(tx, 3) // a duplicate, swallowed
			return insert(tx, 4)
		})
		rows := present(t, db)
		if rows[1] || rows[2] || !rows[3] {
			t.Errorf("rows after a refused, a panicking and a committed first function: %v", rows)
		}
		// SQLite keeps the rest of a function that swallowed a failed
		// statement; PostgreSQL fails it alone (TestGroupCommitPostgresBadMember).
		if db.Engine == sqldb.SQLite && (err != nil || !rows[4]) {
			t.Errorf("the function that swallowed a duplicate: %v, row %v", err, rows[4])
		}
		if db.Engine == sqldb.Postgres && (err == nil || rows[4]) {
			t.Errorf("the function that swallowed a duplicate: %v, row %v", err, rows[4])
		}
	})
}

// A function that ends the transaction itself fails its whole batch, and
// nothing of the batch is kept: success is only ever reported for what was
// committed.
func TestGroupCommitBatchFailure(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, 10)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i] = callTx(context.Background(), db, func(tx *sqldb.Tx) error {
					if err := insert(tx, i); err != nil {
						return err
					}
					if i == 4 {
						_, err := tx.ExecContext(context.Background(), "ROLLBACK")
						return err
					}
					return nil
				})
			})
		}
		_, rows := settle(t, db, release, len(outcomes), &wg)
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
		if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error { return insert(tx, 500) }); err != nil {
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
		groupTable(t, db)
		slow := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c"
		if db.Engine == sqldb.Postgres {
			slow = "SELECT count(*) FROM (SELECT pg_sleep(0.5)) s"
		}
		// Cancelled once the function has started (before that, the caller
		// may leave the queue), before its statement.
		ctx, cancel := context.WithCancel(context.Background())
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			cancel()
			_, err := tx.ExecContext(ctx, "INSERT INTO group_test (id) "+slow)
			return err
		})
		if err != nil || len(present(t, db)) != 1 {
			t.Fatalf("the running statement was interrupted: %v, rows %v", err, present(t, db))
		}
		// A context that has ended before the call is refused.
		if err := db.Tx(ctx, func(*sqldb.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled caller ran: %v", err)
		}
		// Reads stay cancellable.
		ctx2, cancel2 := context.WithCancel(context.Background())
		go func() { time.Sleep(50 * time.Millisecond); cancel2() }()
		var n int
		if err := db.Read.QueryRowContext(ctx2, slow).Scan(&n); err == nil {
			t.Error("a read ignored its cancellation")
		}
	})
}

// Tx after Close fails instead of hanging.
func TestGroupCommitAfterClose(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	if err := db.Tx(context.Background(), func(*sqldb.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Tx(context.Background(), func(*sqldb.Tx) error { return nil }); err == nil {
		t.Error("Tx after Close succeeded")
	}
}

// BeforeCommit's functions run after every function of the batch, in
// order; those of a function that failed are dropped; one that fails fails
// the batch.
func TestGroupCommitBeforeCommit(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		var mu sync.Mutex
		var order []string
		note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, 6)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i] = callTx(context.Background(), db, func(tx *sqldb.Tx) error {
					note(fmt.Sprint("fn", i))
					tx.BeforeCommit(func(tx *sqldb.Tx) error {
						note(fmt.Sprint("hook", i))
						return insert(tx, 1000+i)
					})
					if i == 3 {
						return errors.New("member 3 refuses")
					}
					return insert(tx, i)
				})
			})
		}
		waitQueued(t, db, len(outcomes))
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
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			if err := insert(tx, 7); err != nil {
				return err
			}
			tx.BeforeCommit(func(*sqldb.Tx) error { return errors.New("hook fails") })
			return nil
		})
		if err == nil || present(t, db)[7] {
			t.Errorf("a failing hook: %v, row kept %v", err, present(t, db)[7])
		}
	})
}

func groupTable(t *testing.T, db *sqldb.DB) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(context.Background(), "CREATE TABLE group_test (id INTEGER PRIMARY KEY)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A function that ends its goroutine (runtime.Goexit, as t.FailNow does)
// fails alone: its caller is told so, its write is not kept, and the
// committer goes on.
func TestGroupCommitGoexit(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	groupTable(t, db)
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		if err := insert(tx, 1); err != nil {
			return err
		}
		runtime.Goexit()
		return nil
	})
	if err == nil || present(t, db)[1] {
		t.Errorf("a function that ended its goroutine: %v, row kept %v", err, present(t, db)[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return insert(tx, 2) }); err != nil {
		t.Errorf("a later Tx: %v (the committer is gone)", err)
	}
}

// A panic in a BeforeCommit hook reaches the caller that registered it (in
// a child process, so that a crash would show) and does not end the process.
func TestGroupCommitHookPanic(t *testing.T) {
	if os.Getenv("GROUP_HOOK_PANIC") == "1" {
		db := testdb.OpenEmpty(t, sqldb.SQLite)
		func() {
			defer func() { fmt.Println("recovered:", recover()) }()
			err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
				tx.BeforeCommit(func(*sqldb.Tx) error { panic("hook boom") })
				return nil
			})
			os.Stdout.WriteString("Tx returned: " + fmt.Sprint(err) + "\n")
		}()
		os.Stdout.WriteString("SURVIVED\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGroupCommitHookPanic$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GROUP_HOOK_PANIC=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SURVIVED") || !strings.Contains(string(out), "recovered: hook boom") || strings.Contains(string(out), "Tx returned") {
		t.Errorf("a panicking hook crashed the process:\n%.600s", out)
	}
}

// A hook registered from a hook runs too, after it.
func TestGroupCommitNestedHook(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	groupTable(t, db)
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		tx.BeforeCommit(func(tx *sqldb.Tx) error {
			tx.BeforeCommit(func(tx *sqldb.Tx) error { return insert(tx, 9) })
			return nil
		})
		return nil
	})
	if err != nil || !present(t, db)[9] {
		t.Errorf("the nested hook: %v, row %v", err, present(t, db)[9])
	}
}

// On PostgreSQL a function that swallows a failed statement fails alone (as
// it would have at its own commit) and the others keep their writes. One
// that leaves its rows open keeps the connection busy and fails its batch
// (documented): nobody is then told success for what was not kept.
func TestGroupCommitPostgresBadMember(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  func(tx *sqldb.Tx) error
	}{
		{"swallowed error", func(tx *sqldb.Tx) error {
			_ = insert(tx, 100000) // a duplicate of the first caller's row
			return nil
		}},
		{"unclosed rows", func(tx *sqldb.Tx) error {
			rows, err := tx.QueryContext(context.Background(), "SELECT id FROM group_test")
			if err != nil {
				return err
			}
			_ = rows // forgotten Close
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := testdb.OpenEmpty(t, sqldb.Postgres)
			groupTable(t, db)
			errs, first, rows := sharedBatch(t, db, 6, func(i int, tx *sqldb.Tx) error {
				if i == 2 {
					return tc.bad(tx)
				}
				return insert(tx, i)
			})
			for i, err := range errs {
				if i != 2 && rows[i] != (err == nil) {
					t.Errorf("member %d told %v, row present %v", i, err, rows[i])
				}
			}
			if errs[2] == nil {
				t.Error("the bad member was told success")
			}
			if tc.name == "swallowed error" {
				for i, err := range errs {
					if i != 2 && err != nil {
						t.Errorf("member %d lost its write because of member 2: %v", i, err)
					}
				}
				if first.err != nil {
					t.Errorf("first caller: %v", first.err)
				}
			}
		})
	}
}

// State keeps one value per batch for all its functions and hooks, and a
// new one for the next batch and for a bookkeeping transaction.
func TestGroupCommitTxState(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	groupTable(t, db)
	type key struct{}
	var mu sync.Mutex
	seen := map[*int]int{}
	use := func(tx *sqldb.Tx) error {
		v := tx.State(key{}, func() any { return new(int) }).(*int)
		mu.Lock()
		seen[v]++
		mu.Unlock()
		return nil
	}
	release := holdCommitter(t, db, 100000)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
				if err := use(tx); err != nil {
					return err
				}
				tx.BeforeCommit(use)
				return nil
			}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db, 5)
	release()
	wg.Wait()
	if len(seen) != 1 {
		t.Fatalf("%d values for one batch: %v", len(seen), seen)
	}
	for _, n := range seen {
		if n != 10 {
			t.Errorf("the value was used %d times, want 10", n)
		}
	}
	if err := db.Tx(context.Background(), use); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Errorf("the next batch shared the value: %v", seen)
	}
	if err := db.Bookkeeping(context.Background(), use); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 {
		t.Errorf("a bookkeeping transaction shared the batch's value: %v", seen)
	}
}
