package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestQueueNotReprepared: the queue's claims and results are compiled once
// per connection, not on every claim. With the statistics of ANALYZE
// (STAT4) SQLite plans a statement for the values of the parameters it
// compares with an indexed column and expires it when one of them is bound
// again; the claim compares the clock with run_at and locked_until, and the
// reserved worker's claim the kinds with jobs_kind_due, so every claim
// parsed and planned its statement anew (the reserved one has eighteen
// subqueries). At 200,000 cases that was a third of the server's CPU while
// its queue worked off the fan-out and mail of 16 clients' reports
// (docs/performance.md, "A report's CPU on SQLite"). The database holds a
// backlog of jobs of several kinds, due and not, and its statistics, and is
// opened again as a server opens it (a connection reads the samples when it
// opens); then claims of both kinds and their results run with the clock
// moving between them.
func TestQueueNotReprepared(t *testing.T) {
	open := testdb.Reopenable(t, sqldb.SQLite)
	db := open()
	ctx := context.Background()
	clock := newClock()
	var backlog []Job
	for i := range 600 {
		kind := []string{"mail", "event", "clock"}[i%3]
		at := clock.Now().Add(time.Duration(i-300) * time.Minute)
		backlog = append(backlog, Job{Kind: kind, Payload: i, RunAt: at, DedupeKey: fmt.Sprintf("backlog:%d", i)})
	}
	enqueue(t, db, backlog...)
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open()
	ok := func(context.Context, json.RawMessage) error { return nil }
	q := New(db, map[string]Handler{"mail": ok, "event": ok, "clock": ok},
		Options{Now: clock.Now, Logger: quiet, Reserved: []string{"event", "clock", "digest", "checkins"}})
	work := func(n int) {
		t.Helper()
		for i := range n {
			clock.Advance(time.Second)
			j, found, err := q.claim(ctx, i%2 == 0)
			if err != nil || !found {
				t.Fatalf("claim %d: found %v, %v", i, found, err)
			}
			if i%3 == 0 {
				err = q.retry(ctx, j, clock.Now().Add(time.Hour), "later", nil)
			} else {
				err = q.finish(ctx, j, StateDone, "", nil)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	work(6)
	before, err := db.WriterReprepares(ctx)
	if err != nil {
		t.Fatal(err)
	}
	work(24)
	after, err := db.WriterReprepares(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 3 {
		t.Fatalf("the cache holds %d statements; the count reads nothing", len(before))
	}
	for query, n := range after {
		if n > before[query] {
			t.Errorf("compiled %d more times in 24 claims: %.200s", n-before[query], strings.Join(strings.Fields(query), " "))
		}
	}
}
