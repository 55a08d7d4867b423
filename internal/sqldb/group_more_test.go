package sqldb_test

import (
	"context"
	"database/sql"
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

func groupTable(t *testing.T, db *sqldb.DB) {
	t.Helper()
	if _, err := db.Write.Exec("CREATE TABLE group_test (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
}

// A function that ends its goroutine (runtime.Goexit, as t.FailNow does)
// fails alone: its caller is told so, its write is not kept, and the
// committer goes on.
func TestGroupCommitGoexit(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	groupTable(t, db)
	err := db.Tx(context.Background(), func(tx *sql.Tx) error {
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
	if err := db.Tx(ctx, func(tx *sql.Tx) error { return insert(tx, 2) }); err != nil {
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
			err := db.Tx(context.Background(), func(tx *sql.Tx) error {
				return db.BeforeCommit(tx, func(*sql.Tx) error { panic("hook boom") })
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
	err := db.Tx(context.Background(), func(tx *sql.Tx) error {
		return db.BeforeCommit(tx, func(tx *sql.Tx) error {
			return db.BeforeCommit(tx, func(tx *sql.Tx) error { return insert(tx, 9) })
		})
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
		bad  func(tx *sql.Tx) error
	}{
		{"swallowed error", func(tx *sql.Tx) error {
			_ = insert(tx, 100000) // a duplicate of the first caller's row
			return nil
		}},
		{"unclosed rows", func(tx *sql.Tx) error {
			rows, err := tx.Query("SELECT id FROM group_test")
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
			release := holdCommitter(t, db, 100000)
			errs := make([]error, 6)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					errs[i] = db.Tx(context.Background(), func(tx *sql.Tx) error {
						if i == 2 {
							return tc.bad(tx)
						}
						return insert(tx, i)
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

// TxState keeps one value per batch for all its functions and hooks, and a
// new one for the next batch and outside any.
func TestGroupCommitTxState(t *testing.T) {
	db := testdb.OpenEmpty(t, sqldb.SQLite)
	groupTable(t, db)
	type key struct{}
	var mu sync.Mutex
	seen := map[*int]int{}
	use := func(tx *sql.Tx) error {
		v := db.TxState(tx, key{}, func() any { return new(int) }).(*int)
		mu.Lock()
		seen[v]++
		mu.Unlock()
		return nil
	}
	release := holdCommitter(t, db, 100000)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := db.Tx(context.Background(), func(tx *sql.Tx) error {
				if err := use(tx); err != nil {
					return err
				}
				return db.BeforeCommit(tx, use)
			}); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
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
	tx, _ := db.Write.Begin()
	defer tx.Rollback()
	a := db.TxState(tx, key{}, func() any { return new(int) })
	if b := db.TxState(tx, key{}, func() any { return new(int) }); a == b {
		t.Error("outside a batch the value was kept")
	}
}
