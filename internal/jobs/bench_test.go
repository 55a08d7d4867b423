package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// BenchmarkWorkOffBacklog is the queue's cost of a job on SQLite: a backlog
// of b.N jobs (an event and three mails a report, as a report leaves them)
// beside 2,000 that are not due, with the statistics of ANALYZE, worked
// off by a server's workers (two and the reserved one) with handlers that
// do nothing. Its instruction count is repeatable on a busy machine:
//
//	go test ./internal/jobs -c -o jobs.test
//	valgrind --tool=callgrind ./jobs.test -test.run X -test.bench WorkOffBacklog -test.benchtime 600x
func BenchmarkWorkOffBacklog(b *testing.B) {
	open := testdb.Reopenable(b, sqldb.SQLite)
	db := open()
	ctx := context.Background()
	later := make([]Job, 0, 2000)
	for i := range 2000 {
		later = append(later, Job{Kind: "clock", Payload: i, RunAt: time.Now().Add(time.Duration(i+60) * time.Minute)})
	}
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return EnqueueAll(ctx, tx, later...) }); err != nil {
		b.Fatal(err)
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	db.Close()
	db = open()
	var done atomic.Int64
	ok := func(context.Context, json.RawMessage) error { done.Add(1); return nil }
	q := New(db, map[string]Handler{"event": ok, "mail": ok, "clock": ok},
		Options{Logger: quiet, PollInterval: 10 * time.Millisecond, Reserved: []string{"event", "clock", "digest", "checkins"}})
	backlog := make([]Job, 0, b.N)
	for i := range b.N {
		kind := "mail"
		if i%4 == 0 {
			kind = "event"
		}
		backlog = append(backlog, Job{Kind: kind, Payload: map[string]int{"n": i}, DedupeKey: fmt.Sprintf("%s:%d", kind, i)})
	}
	for start := 0; start < len(backlog); start += 500 {
		chunk := backlog[start:min(start+500, len(backlog))]
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return EnqueueAll(ctx, tx, chunk...) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	run, stop := context.WithCancel(ctx)
	finished := make(chan error, 1)
	go func() { finished <- q.Run(run) }()
	for done.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	stop()
	if err := <-finished; err != nil {
		b.Fatal(err)
	}
}
