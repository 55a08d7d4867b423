package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// Serial hooks run after every BeforeCommit hook of their batch (also those
// registered by hooks), by stage, lowest first, in the order registered
// within a stage; a Serial hook's BeforeCommit hooks run before the next
// Serial hook; the Serial hooks of a failed function are dropped with it.
func TestGroupCommitSerialStages(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		var mu sync.Mutex
		var order []string
		note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
		release := holdCommitter(t, db, 100000)
		outcomes := make([]outcome, 4)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				outcomes[i] = callTx(context.Background(), db, func(tx *sqldb.Tx) error {
					// Registered in the opposite order of their stages.
					tx.Serial(3, func(tx *sqldb.Tx) error { note(fmt.Sprint("s3-", i)); return nil })
					tx.Serial(1, func(tx *sqldb.Tx) error {
						note(fmt.Sprint("s1-", i))
						tx.BeforeCommit(func(*sqldb.Tx) error { note(fmt.Sprint("s1hook-", i)); return nil })
						tx.Serial(2, func(tx *sqldb.Tx) error { note(fmt.Sprint("s2-", i)); return insert(tx, 2000+i) })
						return nil
					})
					tx.BeforeCommit(func(tx *sqldb.Tx) error {
						note(fmt.Sprint("hook-", i))
						tx.BeforeCommit(func(*sqldb.Tx) error { note(fmt.Sprint("nested-", i)); return nil })
						return nil
					})
					if i == 2 {
						return errors.New("member 2 refuses")
					}
					return insert(tx, i)
				})
			})
		}
		waitQueued(t, db, len(outcomes))
		release()
		wg.Wait()
		for i, o := range outcomes {
			if (o.err == nil) != (i != 2) {
				t.Errorf("member %d: %v", i, o.err)
			}
		}
		rows := present(t, db)
		if rows[2002] || rows[2] {
			t.Error("the failed member's Serial hook wrote")
		}
		for _, i := range []int{0, 1, 3} {
			if !rows[2000+i] {
				t.Errorf("member %d's Serial hook's row is missing", i)
			}
		}
		// The members ran in the order they queued in, which the first
		// hooks show.
		var members []string
		for _, s := range order {
			if m, ok := strings.CutPrefix(s, "hook-"); ok {
				members = append(members, m)
			}
		}
		var want []string
		for _, stage := range [][]string{{"hook-"}, {"nested-"}, {"s1-", "s1hook-"}, {"s2-"}, {"s3-"}} {
			for _, m := range members {
				for _, p := range stage {
					want = append(want, p+m)
				}
			}
		}
		if len(members) != 3 || !slices.Equal(order, want) {
			t.Errorf("order\n got %v\nwant %v", order, want)
		}
	})
}

// A Serial hook that fails fails its batch: nothing of it is kept, and its
// caller gets the hook's error.
func TestGroupCommitSerialFailure(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			tx.Serial(1, func(*sqldb.Tx) error { return errors.New("stage fails") })
			return insert(tx, 1)
		})
		if err == nil || !strings.Contains(err.Error(), "stage fails") {
			t.Errorf("err = %v, want the stage's", err)
		}
		if present(t, db)[1] {
			t.Error("the row of a failed batch was kept")
		}
	})
}

// On PostgreSQL several batches run at once, each on its connection: with
// all committers but one inside a batch, waiting, a further caller still
// runs. SQLite keeps one writer: with it inside a batch, a further caller
// waits in the queue.
func TestGroupCommitBatchesAtOnce(t *testing.T) {
	const committers = 4
	testdb.RunWith(t, sqldb.Options{Committers: committers}, func(t *testing.T, db *sqldb.DB) {
		groupTable(t, db)
		holders := 1
		if db.Engine == sqldb.Postgres {
			holders = committers - 1
		}
		var started sync.WaitGroup
		wait := make(chan struct{})
		var wg sync.WaitGroup
		for i := range holders {
			started.Add(1)
			wg.Go(func() {
				if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
					started.Done()
					<-wait
					return insert(tx, i)
				}); err != nil {
					t.Errorf("holder %d: %v", i, err)
				}
			})
		}
		started.Wait()
		ran := make(chan error, 1)
		go func() {
			ran <- db.Tx(context.Background(), func(tx *sqldb.Tx) error { return insert(tx, 100) })
		}()
		if db.Engine == sqldb.Postgres {
			select {
			case err := <-ran:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("with %d of %d committers busy, a caller did not run", holders, committers)
			}
		} else {
			waitQueued(t, db, 1)
			select {
			case err := <-ran:
				t.Fatalf("SQLite ran a second batch beside the first: %v", err)
			default:
			}
		}
		close(wait)
		wg.Wait()
		if db.Engine == sqldb.SQLite {
			if err := <-ran; err != nil {
				t.Fatal(err)
			}
		}
		rows := present(t, db)
		for i := range holders {
			if !rows[i] {
				t.Errorf("holder %d's row is missing", i)
			}
		}
		if !rows[100] {
			t.Error("the last caller's row is missing")
		}
	})
}
