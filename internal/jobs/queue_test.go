package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testclock"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// newClock starts a minute after the wall clock, so that jobs enqueued
// "now" (run_at from time.Now) are due at once even when opening the
// database on a slow machine took longer than the lead.
func newClock() *testclock.Clock { return testclock.New(dbTime(time.Now().Add(time.Minute))) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func enqueue(t *testing.T, db *sqldb.DB, jobs ...Job) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for _, j := range jobs {
			if err := Enqueue(context.Background(), tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// row is a job as stored.
type row struct {
	State     string
	Attempts  int
	RunAt     time.Time
	LastError string
	Finished  sql.NullTime
}

func jobRow(t *testing.T, db *sqldb.DB, kind string) row {
	t.Helper()
	var r row
	err := db.Read.QueryRowContext(context.Background(),
		"SELECT state, attempts, run_at, last_error, finished_at FROM jobs WHERE kind = $1", kind).
		Scan(&r.State, &r.Attempts, &r.RunAt, &r.LastError, &r.Finished)
	if err != nil {
		t.Fatalf("job %s: %v", kind, err)
	}
	r.RunAt = r.RunAt.UTC()
	return r
}

func countJobs(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM jobs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func runOnce(t *testing.T, q *Queue, want int) {
	t.Helper()
	got, err := q.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("RunOnce ran %d jobs, want %d", got, want)
	}
}

func TestEnqueueInRolledBackTransactionLeavesNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		boom := errors.New("the event failed")
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := Enqueue(ctx, tx, Job{Kind: "mail", Payload: map[string]string{"event": "e1"}, DedupeKey: "k"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want %v", err, boom)
		}
		if n := countJobs(t, db); n != 0 {
			t.Fatalf("%d jobs after rollback, want 0", n)
		}
		// The dedupe key of the rolled-back job is free.
		enqueue(t, db, Job{Kind: "mail", DedupeKey: "k"})
		if n := countJobs(t, db); n != 1 {
			t.Fatalf("%d jobs after commit, want 1", n)
		}
	})
}

func TestEnqueueRejectsBadJobs(t *testing.T) {
	tests := []struct {
		name string
		job  Job
	}{
		{"no kind", Job{Payload: 1}},
		{"blank kind", Job{Kind: "  "}},
		{"payload not JSON", Job{Kind: "mail", Payload: make(chan int)}},
		{"negative attempts", Job{Kind: "mail", MaxAttempts: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Validation comes before the transaction is touched.
			if err := Enqueue(context.Background(), nil, tt.job); err == nil {
				t.Fatal("got nil error")
			}
		})
	}
}

func TestDedupeKeyEnqueuesOnce(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		runs := map[string]int{}
		q := New(db, map[string]Handler{"mail": func(_ context.Context, p json.RawMessage) error {
			var v struct{ N int }
			if err := json.Unmarshal(p, &v); err != nil {
				return err
			}
			runs[fmt.Sprint(v.N)]++
			return nil
		}}, Options{Now: newClock().Now, Logger: quiet})

		enqueue(t, db, Job{Kind: "mail", Payload: map[string]int{"N": 1}, DedupeKey: "mail:e1:u1"})
		// Again in another transaction, twice in one, and two jobs without a
		// key (those never collide).
		enqueue(t, db, Job{Kind: "mail", Payload: map[string]int{"N": 2}, DedupeKey: "mail:e1:u1"})
		enqueue(t, db,
			Job{Kind: "mail", Payload: map[string]int{"N": 3}, DedupeKey: "mail:e1:u2"},
			Job{Kind: "mail", Payload: map[string]int{"N": 4}, DedupeKey: "mail:e1:u2"},
			Job{Kind: "mail", Payload: map[string]int{"N": 5}},
			Job{Kind: "mail", Payload: map[string]int{"N": 6}},
		)
		if n := countJobs(t, db); n != 4 {
			t.Fatalf("%d jobs, want 4", n)
		}
		runOnce(t, q, 4)
		want := map[string]int{"1": 1, "3": 1, "5": 1, "6": 1}
		if fmt.Sprint(runs) != fmt.Sprint(want) {
			t.Fatalf("runs = %v, want %v", runs, want)
		}
		// A done job still holds its key.
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return Enqueue(ctx, tx, Job{Kind: "mail", Payload: map[string]int{"N": 7}, DedupeKey: "mail:e1:u1"})
		}); err != nil {
			t.Fatal(err)
		}
		runOnce(t, q, 0)
	})
}

// EnqueueAll writes more jobs than one statement takes (sqldb's multi-row
// insert splits them), and a key repeated across the statements is kept once.
func TestEnqueueAllManyJobs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		const n = 2000
		batch := make([]Job, 0, n+1)
		for i := range n {
			batch = append(batch, Job{Kind: "mail", Payload: i, DedupeKey: fmt.Sprint("mail:", i)})
		}
		batch = append(batch, Job{Kind: "mail", Payload: n, DedupeKey: "mail:0"})
		enqueue(t, db, batch...)
		if got := countJobs(t, db); got != n {
			t.Fatalf("%d jobs, want %d", got, n)
		}
		var payload string
		if err := db.Read.QueryRow("SELECT payload FROM jobs WHERE dedupe_key = 'mail:0'").Scan(&payload); err != nil || payload != "0" {
			t.Fatalf("the key's job has payload %q (%v), want the first's, 0", payload, err)
		}
		var pending int
		if err := db.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND attempts = 0 AND last_error = '' AND max_attempts = $1",
			DefaultMaxAttempts).Scan(&pending); err != nil || pending != n {
			t.Fatalf("%d jobs pending with no attempt (%v), want %d", pending, err, n)
		}
	})
}

func TestJobRunsAndIsDone(t *testing.T) {
	type payload struct {
		Event string   `json:"event"`
		To    []string `json:"to"`
	}
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := newClock()
		var got payload
		q := New(db, map[string]Handler{"mail": func(ctx context.Context, p json.RawMessage) error {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("handler context has no deadline")
			}
			return json.Unmarshal(p, &got)
		}}, Options{Now: clk.Now, Logger: quiet})
		want := payload{Event: "01JZ-event", To: []string{"desk@example.jp"}}
		enqueue(t, db, Job{Kind: "mail", Payload: want})
		runOnce(t, q, 1)
		if got.Event != want.Event || len(got.To) != 1 || got.To[0] != want.To[0] {
			t.Fatalf("handler got %+v, want %+v", got, want)
		}
		r := jobRow(t, db, "mail")
		if r.State != StateDone || r.Attempts != 1 || r.LastError != "" || !r.Finished.Valid || !r.Finished.Time.Equal(clk.Now()) {
			t.Fatalf("job = %+v, want done after 1 attempt at %v", r, clk.Now())
		}
		runOnce(t, q, 0)
	})
}

func TestScheduledJobWaitsForRunAt(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := newClock()
		ran := 0
		q := New(db, map[string]Handler{"clock": func(context.Context, json.RawMessage) error { ran++; return nil }},
			Options{Now: clk.Now, Logger: quiet})
		enqueue(t, db, Job{Kind: "clock", RunAt: clk.Now().Add(time.Hour)})
		runOnce(t, q, 0)
		clk.Advance(time.Hour - time.Microsecond)
		runOnce(t, q, 0)
		clk.Advance(time.Microsecond)
		runOnce(t, q, 1)
		if ran != 1 {
			t.Fatalf("ran %d times, want 1", ran)
		}
	})
}

func TestFailedJobRetriesWithBackoff(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := newClock()
		calls := 0
		q := New(db, map[string]Handler{"mail": func(context.Context, json.RawMessage) error {
			calls++
			if calls <= 2 {
				return fmt.Errorf("550 5.1.1 <taro.yamada@example.jp>: mailbox unavailable (try %d)", calls)
			}
			return nil
		}}, Options{Now: clk.Now, Logger: quiet, Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute }})
		enqueue(t, db, Job{Kind: "mail"})

		runOnce(t, q, 1)
		r := jobRow(t, db, "mail")
		if want := clk.Now().Add(time.Minute); r.State != StatePending || r.Attempts != 1 || !r.RunAt.Equal(want) {
			t.Fatalf("after 1st failure: %+v, want pending, 1 attempt, run_at %v", r, want)
		}
		if strings.Contains(r.LastError, "taro") || strings.Contains(r.LastError, "example.jp") || !strings.Contains(r.LastError, "mailbox unavailable (try 1)") {
			t.Fatalf("last_error = %q: want the error with the address masked", r.LastError)
		}
		clk.Advance(time.Minute - time.Microsecond)
		runOnce(t, q, 0)
		clk.Advance(time.Microsecond)
		runOnce(t, q, 1)
		r = jobRow(t, db, "mail")
		if want := clk.Now().Add(2 * time.Minute); r.State != StatePending || r.Attempts != 2 || !r.RunAt.Equal(want) {
			t.Fatalf("after 2nd failure: %+v, want pending, 2 attempts, run_at %v", r, want)
		}
		clk.Advance(2 * time.Minute)
		runOnce(t, q, 1)
		r = jobRow(t, db, "mail")
		if r.State != StateDone || r.Attempts != 3 || calls != 3 {
			t.Fatalf("after success: %+v, %d calls; want done after 3", r, calls)
		}
	})
}

// A receiver that answers 429 with Retry-After is not called again
// before it said; a shorter Retry-After than the backoff keeps the
// backoff, and one beyond MaxRetryAfter is capped.
func TestRetryAfterDelaysTheRetry(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := newClock()
		waits := []time.Duration{10 * time.Minute, time.Second, 48 * time.Hour}
		calls := 0
		q := New(db, map[string]Handler{"chat": func(context.Context, json.RawMessage) error {
			d := waits[calls]
			calls++
			return RetryAfter(errors.New("the receiver answered 429"), d)
		}}, Options{Now: clk.Now, Logger: quiet, Backoff: func(int) time.Duration { return time.Minute }})
		enqueue(t, db, Job{Kind: "chat"})
		for i, want := range []time.Duration{10 * time.Minute, time.Minute, MaxRetryAfter} {
			runOnce(t, q, 1)
			r := jobRow(t, db, "chat")
			if r.State != StatePending || !r.RunAt.Equal(clk.Now().Add(want)) {
				t.Fatalf("after failure %d (Retry-After %v): %+v, want pending until now+%v", i+1, waits[i], r, want)
			}
			clk.Advance(want - time.Microsecond)
			runOnce(t, q, 0)
			clk.Advance(time.Microsecond)
		}
	})
}

func TestJobFailsForGood(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		clk := newClock()
		calls := map[string]int{}
		q := New(db, map[string]Handler{
			"flaky": func(context.Context, json.RawMessage) error {
				calls["flaky"]++
				return errors.New("connection refused")
			},
			"bad": func(context.Context, json.RawMessage) error {
				calls["bad"]++
				return Permanent(errors.New("payload does not parse"))
			},
			"panic": func(context.Context, json.RawMessage) error { calls["panic"]++; panic("secret narrative") },
		}, Options{Now: clk.Now, Logger: quiet})
		enqueue(t, db,
			Job{Kind: "flaky", MaxAttempts: 3},
			Job{Kind: "bad", MaxAttempts: 3},
			Job{Kind: "panic", MaxAttempts: 2},
			Job{Kind: "unknown", MaxAttempts: 1},
		)
		for range 5 {
			if _, err := q.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			clk.Advance(DefaultBackoffLimit)
		}
		want := map[string]int{"flaky": 3, "bad": 1, "panic": 2}
		if fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Fatalf("calls = %v, want %v", calls, want)
		}
		for _, tt := range []struct {
			kind, errPart string
			attempts      int
		}{
			{"flaky", "connection refused", 3},
			{"bad", "payload does not parse", 1},
			{"panic", "panicked (string)", 2},
			{"unknown", `no handler for kind "unknown"`, 1},
		} {
			r := jobRow(t, db, tt.kind)
			if r.State != StateFailed || r.Attempts != tt.attempts || !r.Finished.Valid || !strings.Contains(r.LastError, tt.errPart) {
				t.Errorf("%s: %+v, want failed after %d attempts with %q", tt.kind, r, tt.attempts, tt.errPart)
			}
			if strings.Contains(r.LastError, "narrative") {
				t.Errorf("%s: last_error %q carries the panic value", tt.kind, r.LastError)
			}
		}
		runOnce(t, q, 0)
	})
}

// A worker that dies leaves its job running; when the lock expires another
// worker takes it over, and the dead worker's late result changes nothing.
func TestJobOfDeadWorkerIsRetried(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := newClock()
		ran := 0
		opts := Options{Now: clk.Now, Logger: quiet, JobTimeout: time.Minute, LockGrace: time.Minute}
		handlers := map[string]Handler{"mail": func(context.Context, json.RawMessage) error { ran++; return nil }}
		dead := New(db, handlers, opts)
		live := New(db, handlers, opts)
		enqueue(t, db, Job{Kind: "mail"}, Job{Kind: "last", MaxAttempts: 1})

		var taken []claimed
		for range 2 {
			j, ok, err := dead.claim(ctx, false)
			if err != nil || !ok {
				t.Fatalf("claim = %v, %v", ok, err)
			}
			taken = append(taken, j)
		}
		if r := jobRow(t, db, "mail"); r.State != StateRunning || r.Attempts != 1 {
			t.Fatalf("claimed job = %+v, want running", r)
		}
		runOnce(t, live, 0) // still locked
		clk.Advance(2*time.Minute - time.Microsecond)
		runOnce(t, live, 0)
		clk.Advance(time.Microsecond)
		runOnce(t, live, 2)
		if r := jobRow(t, db, "mail"); r.State != StateDone || r.Attempts != 2 || ran != 1 {
			t.Fatalf("after takeover: %+v, ran %d; want done after 2 attempts, ran once", r, ran)
		}
		// The job that was on its last attempt when its worker died fails
		// without running again.
		if r := jobRow(t, db, "last"); r.State != StateFailed || r.Attempts != 2 || !strings.Contains(r.LastError, "worker stopped") {
			t.Fatalf("last attempt: %+v, want failed", r)
		}
		// The dead worker wakes up late: its results are fenced off.
		for _, j := range taken {
			if err := dead.finish(ctx, j, StateFailed, "late", nil); err != nil {
				t.Fatal(err)
			}
			if err := dead.retry(ctx, j, clk.Now(), "late", nil); err != nil {
				t.Fatal(err)
			}
		}
		if r := jobRow(t, db, "mail"); r.State != StateDone || r.LastError != "" {
			t.Fatalf("after late result: %+v, want still done", r)
		}
	})
}

func TestConcurrentQueuesRunEachJobOnce(t *testing.T) {
	const jobs = 120
	for _, e := range testdb.Engines {
		for _, shared := range []bool{true, false} {
			name := string(e) + "/two_dbs"
			if shared {
				name = string(e) + "/one_db"
			}
			t.Run(name, func(t *testing.T) {
				open := testdb.Reopenable(t, e)
				db1 := open()
				db2 := db1
				if !shared {
					db2 = open()
				}
				var mu sync.Mutex
				runs := map[int]int{}
				done := make(chan struct{})
				handler := func(_ context.Context, p json.RawMessage) error {
					var n int
					if err := json.Unmarshal(p, &n); err != nil {
						return err
					}
					time.Sleep(time.Millisecond)
					mu.Lock()
					defer mu.Unlock()
					runs[n]++
					if len(runs) == jobs && runs[n] == 1 {
						close(done)
					}
					return nil
				}
				batch := make([]Job, jobs)
				for i := range batch {
					batch[i] = Job{Kind: "count", Payload: i}
				}
				enqueue(t, db1, batch...)

				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				var queues []*Queue
				for _, db := range []*sqldb.DB{db1, db2} {
					q := New(db, map[string]Handler{"count": handler},
						Options{Workers: 4, PollInterval: 10 * time.Millisecond, Logger: quiet})
					queues = append(queues, q)
					wg.Go(func() {
						if err := q.Run(ctx); err != nil {
							t.Error(err)
						}
					})
				}
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Error("jobs did not finish in 20s")
				}
				// A double run, if any, starts from a claim: let every
				// queue finish a claim begun after the last first run
				// (its next one has begun), then stop them, which waits
				// for the handlers, before counting.
				for _, q := range queues {
					waitClaims(t, q, q.claims.Load()+2)
				}
				cancel()
				wg.Wait()
				mu.Lock()
				defer mu.Unlock()
				for i := range jobs {
					if runs[i] != 1 {
						t.Errorf("job %d ran %d times, want 1", i, runs[i])
					}
				}
				var notDone int
				if err := db1.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE state <> 'done'").Scan(&notDone); err != nil || notDone != 0 {
					t.Fatalf("%d jobs not done (%v)", notDone, err)
				}
			})
		}
	}
}

// Jobs outlive the process: a new queue on a reopened database runs the
// pending ones, and the one that was running when the process stopped.
func TestJobsSurviveRestart(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		ctx := context.Background()
		clk := newClock()
		open := testdb.Reopenable(t, e)
		db := open()
		opts := Options{Now: clk.Now, Logger: quiet}
		enqueue(t, db, Job{Kind: "a"}, Job{Kind: "b"}, Job{Kind: "c", RunAt: clk.Now().Add(time.Hour)})
		if _, _, err := New(db, nil, opts).claim(ctx, false); err != nil { // "a" was running
			t.Fatal(err)
		}
		db.Close()

		db = open()
		ran := map[string]int{}
		h := func(kind string) Handler {
			return func(context.Context, json.RawMessage) error { ran[kind]++; return nil }
		}
		q := New(db, map[string]Handler{"a": h("a"), "b": h("b"), "c": h("c")}, opts)
		runOnce(t, q, 1) // b; a is still locked
		clk.Advance(time.Hour)
		runOnce(t, q, 2)
		if fmt.Sprint(ran) != "map[a:1 b:1 c:1]" {
			t.Fatalf("ran %v, want each once", ran)
		}
	})
}

func TestPruneFreesOldJobs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clk := newClock()
		q := New(db, map[string]Handler{"mail": func(context.Context, json.RawMessage) error { return nil }},
			Options{Now: clk.Now, Logger: quiet})
		enqueue(t, db, Job{Kind: "mail", DedupeKey: "old"}, Job{Kind: "later", DedupeKey: "pending", RunAt: clk.Now().Add(24 * time.Hour)})
		runOnce(t, q, 1)
		clk.Advance(time.Hour)
		n, err := q.Prune(ctx, clk.Now())
		if err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v; want 1", n, err)
		}
		if got := countJobs(t, db); got != 1 {
			t.Fatalf("%d jobs left, want the pending one", got)
		}
		enqueue(t, db, Job{Kind: "mail", DedupeKey: "old"})
		runOnce(t, q, 1)
	})
}

// Run polls at its interval and sleeps in between (time in the bubble only
// moves when every goroutine is blocked, so a busy loop would hang here), and
// on shutdown puts a running job back without counting the attempt.
func TestRunPollsAndShutsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := testdb.Open(t, sqldb.SQLite)
		started := make(chan struct{})
		var ran atomic.Int32
		q := New(db, map[string]Handler{
			"mail": func(context.Context, json.RawMessage) error { ran.Add(1); return nil },
			"slow": func(ctx context.Context, _ json.RawMessage) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			},
		}, Options{PollInterval: time.Second, JobTimeout: time.Hour, Logger: quiet})
		start := time.Now()
		enqueue(t, db, Job{Kind: "mail", RunAt: start.Add(5 * time.Second)})

		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- q.Run(ctx) }()
		synctest.Wait()
		time.Sleep(4500 * time.Millisecond)
		synctest.Wait()
		if n := ran.Load(); n != 0 {
			t.Fatalf("job ran %d times before its time", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := ran.Load(); n != 1 {
			t.Fatalf("job ran %d times by 5.5s, want 1", n)
		}
		// One claim per second, one more after the job finished.
		if n := q.claims.Load(); n < 6 || n > 9 {
			t.Fatalf("%d claim queries in 5.5s, want about 7", n)
		}

		enqueue(t, db, Job{Kind: "slow"})
		<-started
		cancel()
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		r := jobRow(t, db, "slow")
		if r.State != StatePending || r.Attempts != 0 {
			t.Fatalf("interrupted job = %+v, want pending with no attempt counted", r)
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0, 15 * time.Second},
		{1, 0.5, 22500 * time.Millisecond},
		{2, 0, 30 * time.Second},
		{3, 0.999, 2*time.Minute - 60*time.Millisecond},
		{7, 0, 16 * time.Minute},
		{8, 0, 30 * time.Minute}, // 64m capped at 1h
		{8, 0.9999, time.Hour - 180*time.Millisecond},
		{1000, 0, 30 * time.Minute},
		{0, 0, 15 * time.Second},
	}
	for _, tt := range tests {
		if got := Backoff(tt.n, DefaultBackoffBase, DefaultBackoffLimit, tt.r); got != tt.want {
			t.Errorf("Backoff(%d, r=%v) = %v, want %v", tt.n, tt.r, got, tt.want)
		}
	}
	for n := 1; n < 20; n++ {
		lo := Backoff(n, DefaultBackoffBase, DefaultBackoffLimit, 0)
		for range 20 {
			if got := DefaultBackoff(n); got < lo || got > 2*lo || got > DefaultBackoffLimit {
				t.Fatalf("DefaultBackoff(%d) = %v, want in [%v, %v]", n, got, lo, 2*lo)
			}
		}
	}
}

func TestSafeError(t *testing.T) {
	tests := []struct {
		err      string
		want     string
		mustNot  string
		maxBytes int
	}{
		{"550 5.1.1 <hanako@example.co.jp>: unknown user", "550 5.1.1 <<address>>: unknown user", "hanako", 0},
		{"rcpt to yamada+desk@example.jp failed", "rcpt to <address> failed", "yamada", 0},
		{"dial tcp 127.0.0.1:25: connection refused", "dial tcp 127.0.0.1:25: connection refused", "", 0},
		{strings.Repeat("あ", 400), "", "", maxErrorLen + len("…")},
	}
	for _, tt := range tests {
		got := safeError(errors.New(tt.err))
		if tt.want != "" && got != tt.want {
			t.Errorf("safeError(%q) = %q, want %q", tt.err, got, tt.want)
		}
		if tt.mustNot != "" && strings.Contains(got, tt.mustNot) {
			t.Errorf("safeError(%q) = %q contains %q", tt.err, got, tt.mustNot)
		}
		if tt.maxBytes > 0 && (len(got) > tt.maxBytes || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "あ")) {
			t.Errorf("long error cut to %d bytes %q…, want at most %d ending in …", len(got), got[:12], tt.maxBytes)
		}
	}
}

// The claim walks an index to the first due job instead of reading every
// job: with six reminders per report, a server holds tens of thousands of
// jobs that are not due, and a scan cost seconds per claim.
// The reserved worker's claim walks jobs_kind_due to each of its kinds'
// first due job, whatever the backlog of other kinds.
func TestClaimUsesIndex(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	for _, c := range []struct {
		kinds []string
		index string
	}{{nil, "jobs_due"}, {[]string{"event", "clock"}, "jobs_kind_due"}} {
		args := []any{time.Now(), time.Now()}
		for _, k := range c.kinds {
			args = append(args, k)
		}
		rows, err := db.Read.Query("EXPLAIN QUERY PLAN "+claimSQL(sqldb.SQLite, c.kinds...), args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "SCAN jobs") || !strings.Contains(text, c.index) {
			t.Errorf("the claim of %v does not walk %s:\n%s", c.kinds, c.index, text)
		}
	}
}

// TestReservedWorkerRunsWhileOthersWait: with both workers held by mail
// that waits for a slow server, and more mail due before it, an event's
// fan-out still runs at once on the reserved worker; the reserved worker
// takes no mail. Both engines.
func TestReservedWorkerRunsWhileOthersWait(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.Open(t, e)
		release := make(chan struct{})
		mailStarted := make(chan struct{}, 10)
		var mails atomic.Int32
		eventRan := make(chan struct{})
		q := New(db, map[string]Handler{
			"mail": func(ctx context.Context, _ json.RawMessage) error {
				mails.Add(1)
				mailStarted <- struct{}{}
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
			"event": func(context.Context, json.RawMessage) error { close(eventRan); return nil },
		}, Options{Workers: 2, PollInterval: 10 * time.Millisecond, JobTimeout: time.Hour, Logger: quiet, Reserved: []string{"event"}})
		// Five mails due first, the event last.
		past := time.Now().Add(-time.Hour)
		for i := range 5 {
			enqueue(t, db, Job{Kind: "mail", RunAt: past.Add(time.Duration(i) * time.Second)})
		}
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- q.Run(ctx) }()
		for range 2 {
			<-mailStarted
		}
		enqueue(t, db, Job{Kind: "event"})
		select {
		case <-eventRan:
		case <-time.After(30 * time.Second):
			t.Fatal("the event's fan-out did not run while two mails held the workers")
		}
		if n := mails.Load(); n != 2 {
			t.Errorf("%d mails started while two workers were held; the reserved worker took mail", n)
		}
		close(release)
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

// waitClaims waits until q has begun n claim queries.
func waitClaims(t *testing.T, q *Queue, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for q.claims.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the queue made %d claim queries in 10s, want %d", q.claims.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHeldQueueClaimsNothing: while Hold says so, Run claims no job (a
// server on a schema a newer release migrated); then it runs them.
func TestHeldQueueClaimsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := testdb.Open(t, sqldb.SQLite)
		var ran, held atomic.Int32
		held.Store(1)
		q := New(db, map[string]Handler{"mail": func(context.Context, json.RawMessage) error { ran.Add(1); return nil }},
			Options{PollInterval: time.Second, Logger: quiet, Hold: func(context.Context) bool { return held.Load() == 1 }})
		enqueue(t, db, Job{Kind: "mail"})
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- q.Run(ctx) }()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if n, c := ran.Load(), q.claims.Load(); n != 0 || c != 0 {
			t.Fatalf("a held queue ran %d jobs with %d claims", n, c)
		}
		held.Store(0)
		time.Sleep(time.Second)
		synctest.Wait()
		if n := ran.Load(); n != 1 {
			t.Fatalf("released, the queue ran %d jobs, want 1", n)
		}
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

// TestWorkerClaimsWithItsResult: a worker records a job's outcome and
// claims its next job in one bookkeeping transaction, so that a backlog
// costs a commit per job instead of two (a claim's and a result's) and the
// Run loop does not claim while its workers have work. Each report leaves
// an event and a mail per desk and legal member; at 200,000 cases the
// queue's claims and results were most of the server's CPU while it
// worked off 16 clients' reports (docs/performance.md). Every job still
// runs once, and a failed one is retried. Both engines.
func TestWorkerClaimsWithItsResult(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.Open(t, e)
		const mails, events = 30, 10
		var mu sync.Mutex
		ran := map[string]int{}
		failedOnce := false
		handler := func(kind string) Handler {
			return func(_ context.Context, p json.RawMessage) error {
				mu.Lock()
				defer mu.Unlock()
				ran[kind+":"+string(p)]++
				if kind == "mail" && string(p) == "7" && !failedOnce {
					failedOnce = true
					return errors.New("the mail server said later")
				}
				return nil
			}
		}
		var js []Job
		for i := range mails {
			js = append(js, Job{Kind: "mail", Payload: i})
		}
		for i := range events {
			js = append(js, Job{Kind: "event", Payload: i})
		}
		enqueue(t, db, js...)
		q := New(db, map[string]Handler{"mail": handler("mail"), "event": handler("event")}, Options{Workers: 1, Reserved: []string{"event"}, PollInterval: time.Hour, Logger: quiet,
			Backoff: func(int) time.Duration { return 0 }})
		before := db.Bookkeepings()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- q.Run(ctx) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var left int
			if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE state <> 'done'").Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d jobs not done after 30 s", left)
			}
			time.Sleep(20 * time.Millisecond)
		}
		books := db.Bookkeepings() - before
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range mails {
			want := 1
			if i == 7 {
				want = 2 // failed once, retried
			}
			if n := ran[fmt.Sprintf("mail:%d", i)]; n != want {
				t.Errorf("mail %d ran %d times, want %d", i, n, want)
			}
		}
		for i := range events {
			if n := ran[fmt.Sprintf("event:%d", i)]; n != 1 {
				t.Errorf("event %d ran %d times, want 1", i, n)
			}
		}
		// 41 runs (one retry): a commit for each result with the next
		// claim, the first claim of each worker, the claims of the Run
		// loop when a worker ran dry, and the prune. Two a run before.
		runs := int64(mails + events + 1)
		t.Logf("%d bookkeeping transactions for %d runs", books, runs)
		if books > runs+8 {
			t.Errorf("%d bookkeeping transactions for %d runs; want at most %d", books, runs, runs+8)
		}
	})
}
