package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// Handler runs one job of its kind. It returns nil when the work is done;
// an error makes the job retry with backoff (or fail at once, see
// Permanent). Its error text is stored and logged, so it must carry no
// personal data: no addresses, names or narratives. ctx ends at the job's
// timeout and when the queue shuts down.
type Handler func(ctx context.Context, payload json.RawMessage) error

// Options tune a Queue. The zero value gives the defaults.
type Options struct {
	// Workers is how many jobs run at once (default 2).
	Workers int
	// PollInterval is how long Run waits before it looks for due jobs
	// again when there were none (default 1s).
	PollInterval time.Duration
	// JobTimeout bounds one run of a handler (default 1m).
	JobTimeout time.Duration
	// LockGrace is how long after JobTimeout a claimed job still counts as
	// running; after that another worker takes it over (default 1m).
	LockGrace time.Duration
	// Backoff gives the delay before the retry after failed attempt n
	// (default DefaultBackoff).
	Backoff func(n int) time.Duration
	// Retention is how long Run keeps done and failed jobs, and so their
	// dedupe keys (default 30 days; negative keeps them for ever).
	Retention time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives job failures (default slog.Default()). It gets the
	// job's id, kind and attempt and the handler's error text.
	Logger *slog.Logger
	// Reserved names the kinds of job that have a worker of their own
	// beside Workers: work inside the product, such as the fan-out of an
	// event to the desk's in-app notifications and the clocks, which must
	// not wait while every worker waits for another server (a mail server
	// that answers slowly, a webhook that times out). The reserved worker
	// takes only these kinds; the others take every kind.
	Reserved []string
	// Hold, when set, is asked before each round of claims: while it says
	// true, Run claims nothing (and the jobs wait for another server). A
	// server whose database a newer release migrated holds its queue, so
	// that old code runs no job on a schema it does not know.
	Hold func(context.Context) bool
}

// Queue runs the jobs of the kinds it has handlers for.
type Queue struct {
	db       *sqldb.DB
	handlers map[string]Handler
	opts     Options
	claimSQL string
	// reservedSQL claims a job of the Reserved kinds ("" without them).
	reservedSQL string

	pruneMu   sync.Mutex
	lastPrune time.Time

	claims atomic.Int64 // claim queries made, for tests of the polling
}

// New returns a queue on db that runs jobs with handlers, keyed by kind.
// Jobs of a kind without a handler fail and retry like any other failure, so
// that a server of a newer version can still run them.
func New(db *sqldb.DB, handlers map[string]Handler, opts Options) *Queue {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = time.Minute
	}
	if opts.LockGrace <= 0 {
		opts.LockGrace = time.Minute
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Retention == 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	hs := make(map[string]Handler, len(handlers))
	for k, h := range handlers {
		hs[k] = h
	}
	q := &Queue{db: db, handlers: hs, opts: opts, claimSQL: claimSQL(db.Engine)}
	if len(opts.Reserved) > 0 {
		q.reservedSQL = claimSQL(db.Engine, opts.Reserved...)
	}
	return q
}

// claimSQL takes the oldest due job: a pending job whose run_at has come, or
// a running job whose lock has expired because its worker died. It is one
// statement, so the claim is atomic. On SQLite every write goes through the
// single writer, which serialises claims; on PostgreSQL FOR UPDATE SKIP
// LOCKED lets concurrent claimers pass over a row another one is taking
// instead of waiting for it and then taking it too.
//
// With kinds, it takes the oldest due job of those kinds (the reserved
// worker's claim): each kind's first pending and first expired job is
// found at the start of the jobs_kind_due index, so that a backlog of
// other kinds (thousands of mails waiting for a slow server) is not read.
// The kinds are the parameters from $3 on.
//
// On SQLite the parameters compared with indexed columns (the clock, the
// kinds) are written +$N: with the statistics of ANALYZE (STAT4) a bare
// parameter is probed against the samples, and binding it again expires
// the statement, so that every claim parsed and planned it anew — a third
// of the server's CPU while it worked off a backlog of mail
// (TestQueueNotReprepared). Unary plus changes no value.
func claimSQL(e sqldb.Engine, kinds ...string) string {
	lock, param := "", "$"
	if e == sqldb.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	} else {
		param = "+$"
	}
	first := func(cond string) string {
		return "(SELECT id FROM jobs WHERE " + cond + " ORDER BY run_at, id LIMIT 1" + lock + ")"
	}
	now := param + "1"
	// Each kind of due job is found at the start of an index (an OR of
	// the two would read every job); the oldest wins.
	var due []string
	if len(kinds) == 0 {
		due = []string{first("state = 'pending' AND run_at <= " + now), first("state = 'running' AND locked_until <= " + now)}
	}
	for i := range kinds {
		k := fmt.Sprintf("kind = %s%d AND ", param, i+3)
		due = append(due, first(k+"state = 'pending' AND run_at <= "+now), first(k+"state = 'running' AND locked_until <= "+now))
	}
	return `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2
		WHERE id = (SELECT id FROM jobs WHERE id IN (
			` + strings.Join(due, ",\n\t\t\t") + `)
			ORDER BY run_at, id LIMIT 1)
		RETURNING id, kind, payload, attempts, max_attempts`
}

// claimed is a job taken by this worker. Attempts is also the fencing
// token: a worker whose lock expired and whose job was claimed again no
// longer matches it, so its late result is ignored.
type claimed struct {
	ID          string
	Kind        string
	Payload     json.RawMessage
	Attempts    int
	MaxAttempts int
}

func (q *Queue) now() time.Time { return dbTime(q.opts.Now()) }

// book runs one statement of the queue's bookkeeping (a claim, a result)
// in a transaction of its own, outside the group commit of the changes
// (sqldb.DB.Bookkeeping: on PostgreSQL its commit does not wait for the
// disk). After a crash of the database server a job may then run again, as
// it may anyway when a worker dies between doing its work and recording it.
func (q *Queue) book(ctx context.Context, fn func(*sqldb.Tx) error) error {
	return q.db.Bookkeeping(ctx, fn)
}

// claim takes one due job; ok is false when none is due. With reserved, it
// takes only a job of the Reserved kinds.
func (q *Queue) claim(ctx context.Context, reserved bool) (j claimed, ok bool, err error) {
	err = q.book(ctx, func(ex *sqldb.Tx) error {
		j, ok, err = q.claimIn(ctx, ex, reserved)
		return err
	})
	if err != nil {
		return claimed{}, false, err
	}
	return j, ok, nil
}

// claimIn is claim inside the bookkeeping transaction ex.
func (q *Queue) claimIn(ctx context.Context, ex *sqldb.Tx, reserved bool) (j claimed, ok bool, err error) {
	q.claims.Add(1)
	now := q.now()
	query, args := q.claimSQL, []any{now, now.Add(q.opts.JobTimeout + q.opts.LockGrace)}
	if reserved {
		query = q.reservedSQL
		for _, k := range q.opts.Reserved {
			args = append(args, k)
		}
	}
	var payload string
	err = ex.QueryRowContext(ctx, query, args...).Scan(&j.ID, &j.Kind, &payload, &j.Attempts, &j.MaxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		return claimed{}, false, nil
	}
	if err != nil {
		return claimed{}, false, fmt.Errorf("jobs: claim: %w", err)
	}
	j.Payload = json.RawMessage(payload)
	return j, true, nil
}

// next is a worker's claim of its next job, made in the transaction that
// records the outcome of the job it ran (Queue.record): one commit for the
// result and the claim instead of one each, and no claim of the Run loop
// while the worker has work. reserved is the worker's kind; j and ok are
// the job claimed.
type next struct {
	reserved bool
	j        claimed
	ok       bool
}

// Run runs due jobs until ctx is cancelled: it claims jobs while a worker is
// free, and when none is due it waits PollInterval. When ctx is cancelled it
// cancels the running handlers, puts their jobs back without counting the
// attempt, waits for them and returns nil. Database errors are logged and
// polling goes on, so that a database restart does not stop the queue.
func (q *Queue) Run(ctx context.Context) error {
	slots := make(chan struct{}, q.opts.Workers)
	reserved := make(chan struct{}, 1)
	finished := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-finished:
			// A worker is free: there may be due jobs that waited for it.
		}
		if q.opts.Hold != nil && q.opts.Hold(ctx) {
			poll.Reset(q.opts.PollInterval)
			continue
		}
		q.maybePrune(ctx)
		for q.startOne(ctx, slots, false, finished, &wg) {
		}
		for q.reservedSQL != "" && q.startOne(ctx, reserved, true, finished, &wg) {
		}
		// Since Go 1.23 Reset leaves no stale tick in poll.C.
		poll.Reset(q.opts.PollInterval)
	}
}

// startOne claims a job and starts it when a worker of slots is free (the
// reserved worker's slot takes only the Reserved kinds); it reports whether
// it did.
func (q *Queue) startOne(ctx context.Context, slots chan struct{}, reserved bool, finished chan struct{}, wg *sync.WaitGroup) bool {
	select {
	case slots <- struct{}{}:
	default:
		return false
	}
	j, ok, err := q.claim(ctx, reserved)
	if err != nil && ctx.Err() == nil {
		q.opts.Logger.Error("jobs: claim failed", "err", err)
	}
	if !ok {
		<-slots
		return false
	}
	wg.Go(func() {
		defer func() {
			<-slots
			select {
			case finished <- struct{}{}:
			default:
			}
		}()
		// The worker runs job after job while its results' transactions
		// claim another (execute), and gives its slot back when none is due.
		for {
			n := &next{reserved: reserved}
			if ctx.Err() != nil || (q.opts.Hold != nil && q.opts.Hold(ctx)) {
				n = nil
			}
			if err := q.execute(ctx, j, n); err != nil {
				q.opts.Logger.Error("jobs: recording the result failed", "job", j.ID, "kind", j.Kind, "err", err)
			}
			if n == nil || !n.ok {
				return
			}
			j = n.j
		}
	})
	return true
}

// RunOnce runs due jobs one after another until none is due, and returns how
// many it claimed. It is for tests and one-off commands; a server calls Run.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	n := 0
	for {
		j, ok, err := q.claim(ctx, false)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		n++
		if err := q.execute(ctx, j, nil); err != nil {
			return n, err
		}
	}
}

// execute runs a claimed job and records the outcome; with n, the same
// transaction claims the worker's next job into n (record).
func (q *Queue) execute(ctx context.Context, j claimed, n *next) error {
	// Recording the outcome must happen even when ctx was just cancelled.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if j.Attempts > j.MaxAttempts {
		// Its worker died during the last attempt.
		return q.finish(rctx, j, StateFailed, "the worker stopped while running the job, and no attempt is left", n)
	}
	err := q.call(ctx, j)
	switch {
	case err == nil:
		return q.finish(rctx, j, StateDone, "", n)
	case ctx.Err() != nil:
		// Shut down while running: not the job's fault.
		if n != nil {
			n.ok = false
		}
		return q.release(rctx, j)
	}
	msg := safeError(err)
	q.opts.Logger.Warn("jobs: job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", msg)
	if IsPermanent(err) || j.Attempts >= j.MaxAttempts {
		return q.finish(rctx, j, StateFailed, msg, n)
	}
	return q.retry(rctx, j, q.now().Add(max(q.opts.Backoff(j.Attempts), RetryAfterOf(err))), msg, n)
}

// call runs j's handler with the job timeout, turning a panic into an error.
func (q *Queue) call(ctx context.Context, j claimed) (err error) {
	h, ok := q.handlers[j.Kind]
	if !ok {
		return fmt.Errorf("jobs: no handler for kind %q", j.Kind)
	}
	ctx, cancel := context.WithTimeout(ctx, q.opts.JobTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			// The panic value may hold anything, so only its type is kept.
			err = fmt.Errorf("jobs: handler %s panicked (%T)", j.Kind, p)
		}
	}()
	return h(ctx, j.Payload)
}

// fenced is the condition that the job is still this worker's.
const fenced = ` WHERE id = $1 AND attempts = $2 AND state = 'running'`

func (q *Queue) finish(ctx context.Context, j claimed, state, msg string, n *next) error {
	err := q.record(ctx, n, `UPDATE jobs SET state = $3, last_error = $4,
			locked_until = NULL, finished_at = $5`+fenced,
		j.ID, j.Attempts, state, msg, q.now())
	if err != nil {
		return fmt.Errorf("jobs: mark %s %s: %w", j.ID, state, err)
	}
	return nil
}

func (q *Queue) retry(ctx context.Context, j claimed, at time.Time, msg string, n *next) error {
	err := q.record(ctx, n, `UPDATE jobs SET state = 'pending', run_at = $3,
			last_error = $4, locked_until = NULL`+fenced,
		j.ID, j.Attempts, dbTime(at), msg)
	if err != nil {
		return fmt.Errorf("jobs: reschedule %s: %w", j.ID, err)
	}
	return nil
}

// record runs the statement that records a job's outcome in a bookkeeping
// transaction and, with n, claims the worker's next job in the same
// transaction (n.ok says whether it found one). If the claim fails, the
// outcome is recorded alone and n finds nothing: the Run loop claims again.
func (q *Queue) record(ctx context.Context, n *next, query string, args ...any) error {
	outcome := func(ex *sqldb.Tx) error {
		_, err := ex.ExecContext(ctx, query, args...)
		return err
	}
	if n == nil {
		return q.book(ctx, outcome)
	}
	err := q.book(ctx, func(ex *sqldb.Tx) error {
		if err := outcome(ex); err != nil {
			return err
		}
		var err error
		n.j, n.ok, err = q.claimIn(ctx, ex, n.reserved)
		return err
	})
	if err == nil {
		return nil
	}
	n.ok = false
	if ctx.Err() == nil {
		q.opts.Logger.Error("jobs: claim after a result failed", "err", err)
	}
	return q.book(ctx, outcome)
}

// release puts back a job interrupted by shutdown, due now, without
// counting the attempt.
func (q *Queue) release(ctx context.Context, j claimed) error {
	err := q.book(ctx, func(ex *sqldb.Tx) error {
		_, err := ex.ExecContext(ctx, `UPDATE jobs SET state = 'pending', run_at = $3,
			attempts = attempts - 1, locked_until = NULL`+fenced,
			j.ID, j.Attempts, q.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("jobs: release %s: %w", j.ID, err)
	}
	return nil
}

// Prune deletes done and failed jobs that finished before before, and
// returns how many. Their dedupe keys become free again.
func (q *Queue) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := q.book(ctx, func(ex *sqldb.Tx) error {
		var err error
		n, err = ex.ExecCount(ctx, `DELETE FROM jobs
			WHERE state IN ('done', 'failed') AND finished_at < $1`, dbTime(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: prune: %w", err)
	}
	return n, nil
}

// pruneEvery is how often Run prunes.
const pruneEvery = time.Hour

func (q *Queue) maybePrune(ctx context.Context) {
	if q.opts.Retention < 0 {
		return
	}
	q.pruneMu.Lock()
	now := q.now()
	due := q.lastPrune.IsZero() || now.Sub(q.lastPrune) >= pruneEvery
	if due {
		q.lastPrune = now
	}
	q.pruneMu.Unlock()
	if !due {
		return
	}
	if _, err := q.Prune(ctx, now.Add(-q.opts.Retention)); err != nil && ctx.Err() == nil {
		q.opts.Logger.Error("jobs: prune failed", "err", err)
	}
}
