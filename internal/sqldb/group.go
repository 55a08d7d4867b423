package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Group commit. Every write transaction of the product goes through DB.Tx
// (bookkeeping that must not wait for it through DB.Bookkeeping). A commit
// is the expensive part of a short transaction (the WAL append on SQLite,
// the WAL flush and fsync on PostgreSQL), so a committer runs the
// transactions that arrive together in one database transaction, each
// inside a savepoint of its own (but the first on SQLite, which needs none:
// nothing precedes it), and commits once for all of them.
//
// SQLite has one writer, and so one committer. PostgreSQL may have several
// (Options.Committers, --pg-committers; one by default): a committer waits
// for the server's answer to each statement in turn, and while one waits
// another runs its own batch on another connection. What every batch writes —
// the audit chain's head, the case numbers, the statistics counters — is
// written at the end of each batch by the hooks of Tx.Serial, in the same
// order in every batch (so that two batches never wait for each other in a
// circle), and is locked from there to the commit only.
//
// Each caller still gets its own outcome: a function that returns an error
// (or panics, or ends its goroutine) is rolled back to its savepoint and the
// others go on. A function must close the rows it opens: on PostgreSQL rows
// left open keep the connection busy, and its whole batch fails. Only a
// failure of the transaction as a whole — the commit, or an error that ends
// the transaction, seen when its savepoint can no longer be released —
// fails every function of the batch, and then none of their changes is
// kept: an answer of success always means committed.
//
// A caller's context is checked before its function starts; once started,
// the function runs to its end whatever happens to the context: the write
// connections ignore cancellation (detached below), because an interrupted
// statement would roll back the whole transaction, and with it the other
// callers' work.

// maxBatch bounds how many functions share one commit.
const maxBatch = 64

// errBatchFailed is what the functions of a failed batch that did not fail
// themselves receive.
var errBatchFailed = errors.New("sqldb: the transaction this write shared with others failed; nothing of it was kept")

// errClosed is returned by Tx after Close.
var errClosed = errors.New("sqldb: the database is closed")

// Tx is a write transaction as a function of DB.Tx sees it: the batch's
// database transaction, inside the function's own savepoint, with the state
// and the before-commit hooks that the functions of the batch share. It is
// valid only until the function (or hook) it was given to returns.
type Tx struct {
	tx     *sql.Tx
	engine Engine
	batch  *batch
	owner  *txRequest // whose function or hook this is; nil in Bookkeeping
}

// batch is what the functions of one commit share: the hooks registered
// with BeforeCommit and the values kept with State. The functions and hooks
// run one at a time (call), so it needs no lock.
type batch struct {
	hooks []hook
	state map[any]any
	// pending are the statements queued (Queue) on PostgreSQL and not sent
	// yet: they go with the next statement sent, in one round trip.
	pending []queued
}

// hook is a function registered with BeforeCommit (stage 0) or Serial
// (its stage), and the caller that registered it.
type hook struct {
	fn    func(*Tx) error
	owner *txRequest
	stage int
	ran   bool
}

// next returns the index of the hook to run next, or -1: the first of
// BeforeCommit not run yet, else the first Serial hook of the lowest stage
// not run yet. It marks the hook as run.
func (b *batch) next() int {
	j := -1
	for i := range b.hooks {
		h := &b.hooks[i]
		if h.ran {
			continue
		}
		if h.stage == 0 {
			j = i
			break
		}
		if j < 0 || h.stage < b.hooks[j].stage {
			j = i
		}
	}
	if j >= 0 {
		b.hooks[j].ran = true
	}
	return j
}

// ExecContext runs a statement that returns no rows. Once a function has
// started, its statements run whatever becomes of ctx (its values are kept):
// database/sql would otherwise refuse a statement whose context ended while
// the function ran, so whether a started write ran would depend on timing.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.carry(ctx), query, args...)
}

// ExecCount runs a statement that returns no rows, like ExecContext, and
// returns how many rows it changed.
func (tx *Tx) ExecCount(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// QueryContext runs a query. The caller must close the rows before its
// function returns (see the top of this file).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.carry(ctx), query, args...)
}

// QueryRowContext runs a query that returns at most one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.carry(ctx), query, args...)
}

// Queue runs a statement that returns no rows and whose outcome the
// function does not need before its next statement. SQLite runs it at once
// and returns its error. PostgreSQL sends it with the next statement of the
// transaction — whatever asks for an answer, or the end of the function —
// in one round trip instead of one for each; its error is then returned by
// that next statement (ExecContext, QueryContext, QueryRowContext's Scan)
// or, when the function has none left, becomes the function's outcome: in
// both cases the function is rolled back to its savepoint, as if the
// statement had failed at once. A statement whose error the function
// handles (a unique violation it answers) must not be queued.
func (tx *Tx) Queue(ctx context.Context, query string, args ...any) error {
	if tx.engine != Postgres {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	tx.batch.pending = append(tx.batch.pending, queued{query: query, args: args, owner: tx.owner})
	return nil
}

// carry returns ctx without its cancellation (see ExecContext) and with the
// queued statements, which the PostgreSQL writer's connection sends before
// the statement it is given (pipeline.go).
func (tx *Tx) carry(ctx context.Context) context.Context {
	return tx.batch.carry(context.WithoutCancel(ctx))
}

func (b *batch) carry(ctx context.Context) context.Context {
	if len(b.pending) == 0 {
		return ctx
	}
	p := b.pending
	b.pending = nil
	return context.WithValue(ctx, pendingKey{}, p)
}

// flush sends the queued statements, if any, in one round trip.
func (b *batch) flush(tx *sql.Tx) error {
	if len(b.pending) == 0 {
		return nil
	}
	_, err := tx.ExecContext(b.carry(context.Background()), flushOnly)
	return err
}

// BeforeCommit registers fn to run in the transaction after every function
// of its batch, just before the commit, in the order registered; a hook may
// register more, which run after it. The hooks of a function that fails are
// dropped with its changes. Work that is cheaper done once for many changes
// goes there: SQLite's full-text index writes a new segment, and merges
// segments, at every savepoint after a change, so the search index of a
// batch's reports is written once, at the end. If fn fails, the whole batch
// fails, and its error (or panic) reaches the caller that registered it.
func (tx *Tx) BeforeCommit(fn func(*Tx) error) {
	tx.batch.hooks = append(tx.batch.hooks, hook{fn: fn, owner: tx.owner})
}

// Serial registers fn to run after every BeforeCommit hook of the batch
// (and those they register), by stage, lowest first (stage ≥ 1), and in the
// order registered within a stage; a Serial hook may register BeforeCommit
// hooks, which run before the next Serial hook, and Serial hooks of its own
// stage or a later one. It is for what every batch writes: rows that other
// batches lock too (a counter, the audit chain's head). On PostgreSQL
// several batches run at once (group.go), and a lock taken by a function is
// held until its commit while the batch's other functions run; taken at the
// end, by stage, a lock is held only for the batch's last statements and
// its commit, and every batch takes such locks in the same order: within a
// stage the hook must take its rows in an order of their keys. As with
// BeforeCommit, the hooks of a function that fails are dropped with it, and
// a failing hook fails the whole batch.
func (tx *Tx) Serial(stage int, fn func(*Tx) error) {
	if stage < 1 {
		panic("sqldb: Serial stage must be 1 or more")
	}
	tx.batch.hooks = append(tx.batch.hooks, hook{fn: fn, owner: tx.owner, stage: stage})
}

// State returns the value kept under key for the batch of tx, made by init
// the first time; it lives until the batch ends, committed or not. Hooks use
// it to do once per batch what each change would otherwise do. A value
// changed by a function that then fails stays changed: keep there only what
// the hooks (which are dropped with their function) fill in, or what no
// function of the batch can change.
func (tx *Tx) State(key any, init func() any) any {
	v, ok := tx.batch.state[key]
	if !ok {
		v = init()
		tx.batch.state[key] = v
	}
	return v
}

type txRequest struct {
	ctx      context.Context
	fn       func(*Tx) error
	err      error
	panicked *txPanic
	done     chan struct{}
}

// txPanic carries a panic in a function back to its caller's goroutine.
type txPanic struct {
	value any
	stack []byte
}

func (p *txPanic) String() string {
	return fmt.Sprintf("%v\n\n(in a group-committed transaction)\n%s", p.value, p.stack)
}

// committer runs the functions given to DB.Tx. The callers wait in queue,
// in order of arrival; each of its workers (one on SQLite) takes the first
// and whatever else is waiting, up to maxBatch, into one transaction. A
// worker's batch takes in the callers that arrive while it runs only while
// no other worker is idle: an idle one starts a batch of its own at once.
type committer struct {
	db      *sql.DB
	engine  Engine
	workers int
	mu      sync.Mutex
	queue   []*txRequest
	closed  bool
	wake    chan struct{} // a request was queued
	quit    chan struct{}
	stopped chan struct{}
	// idle counts the workers waiting for a request.
	idle     atomic.Int32
	once     sync.Once
	stopOnce sync.Once
	// batches and committed count batches and committed functions.
	batches, committed atomic.Int64
}

// errGoexit is the outcome of a function that ended its goroutine
// (runtime.Goexit, as t.FailNow does) instead of returning.
var errGoexit = errors.New("sqldb: the transaction's function ended its goroutine instead of returning")

// call runs f on a goroutine of its own and waits for it: a panic or a
// runtime.Goexit in f ends that goroutine, never the committer.
func call(f func() error) (panicked *txPanic, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		returned := false
		defer func() {
			if p := recover(); p != nil {
				panicked = &txPanic{value: p, stack: debug.Stack()}
			} else if !returned {
				err = errGoexit
			}
		}()
		err = f()
		returned = true
	}()
	<-done
	return panicked, err
}

func newCommitter(db *sql.DB, e Engine, workers int) *committer {
	if e == SQLite || workers < 1 {
		workers = 1 // SQLite has one writer
	}
	return &committer{db: db, engine: e, workers: workers, wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
}

// start starts the workers (once).
func (c *committer) start() {
	c.once.Do(func() {
		var wg sync.WaitGroup
		for range c.workers {
			wg.Go(c.loop)
		}
		go func() { wg.Wait(); close(c.stopped) }()
	})
}

// nudge wakes a worker waiting for a request, unless one is being woken.
func (c *committer) nudge() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// do runs fn through the committer and returns its outcome.
func (c *committer) do(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.start()
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.queue = append(c.queue, r)
	c.mu.Unlock()
	c.nudge()
	select {
	case <-r.done:
	case <-ctx.Done():
		// A caller still waiting in the queue leaves it; one already
		// taken may be running: its outcome is needed whatever the
		// context says.
		c.mu.Lock()
		if i := slices.Index(c.queue, r); i >= 0 {
			c.queue = slices.Delete(c.queue, i, i+1)
			c.mu.Unlock()
			return ctx.Err()
		}
		c.mu.Unlock()
		<-r.done
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// take removes the first waiting request from the queue, or returns nil.
func (c *committer) take() *txRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	r := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil
	}
	return r
}

// waiting is how many callers wait for the committer (for tests).
func (c *committer) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// stop ends the committer after the batch it is running; the callers still
// waiting are told that the database is closed.
func (c *committer) stop() {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		left := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, r := range left {
			r.err = errClosed
			close(r.done)
		}
		close(c.quit)
		c.once.Do(func() { close(c.stopped) }) // never started
	})
	<-c.stopped
}

// loop is one worker.
func (c *committer) loop() {
	for {
		c.idle.Add(1)
		select {
		case <-c.wake:
		case <-c.quit:
			c.idle.Add(-1)
			return
		}
		c.idle.Add(-1)
		for r := c.take(); r != nil; r = c.take() {
			if c.idle.Load() > 0 && c.waiting() > 0 {
				c.nudge() // the rest for an idle worker
			}
			c.batch(r)
		}
	}
}

// batch runs first and whatever else is waiting, up to maxBatch, in one
// transaction.
func (c *committer) batch(first *txRequest) {
	members := []*txRequest{first}
	defer func() {
		for _, r := range members {
			close(r.done)
		}
	}()
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		first.err = fmt.Errorf("sqldb: begin: %w", err)
		return
	}
	b := &batch{state: map[any]any{}}
	ok := c.run(tx, b, first, true)
	for ok && len(members) < maxBatch {
		if c.idle.Load() > 0 && c.waiting() > 0 {
			// Another worker is idle: what waits starts a batch there.
			c.nudge()
			break
		}
		r := c.take()
		if r == nil {
			break
		}
		members = append(members, r)
		ok = c.run(tx, b, r, false)
	}
	c.batches.Add(1)
	// The hooks, in order (batch.next); a hook may register more. What
	// they queue is sent once, after the last: a failure there fails the
	// batch, and its error reaches the caller whose hook queued it.
	for i := b.next(); ok && i >= 0; i = b.next() {
		h := b.hooks[i]
		p, herr := call(func() error { return h.fn(&Tx{tx: tx, engine: c.engine, batch: b, owner: h.owner}) })
		switch {
		case p != nil:
			h.owner.panicked, ok = p, false
		case herr != nil:
			ok = false
			blame(herr, h.owner)
		}
	}
	if ok {
		if err := b.flush(tx); err != nil {
			ok = false
			blame(err, first)
		}
	}
	if ok {
		err = tx.Commit()
		if err == nil {
			for _, r := range members {
				if r.err == nil && r.panicked == nil {
					c.committed.Add(1)
				}
			}
			return
		}
		err = fmt.Errorf("sqldb: commit: %w (%w)", err, errBatchFailed)
	} else {
		_ = tx.Rollback()
		err = errBatchFailed
	}
	for _, r := range members {
		if r.err == nil && r.panicked == nil {
			r.err = err
		}
	}
}

// savepointSQL opens the savepoint of each function of a batch.
const savepointSQL = "SAVEPOINT group_member"

// run runs one function inside a savepoint. It reports false when the
// transaction itself is no longer usable. On PostgreSQL the savepoint is
// queued, and the function's queued statements go with its release: a
// function's statements take as many round trips as it has statements that
// need an answer, plus one (none for a function that sends nothing).
func (c *committer) run(tx *sql.Tx, b *batch, r *txRequest, first bool) (ok bool) {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return true
	}
	ctx := context.Background()
	if first && c.engine == SQLite {
		// The batch's first function on SQLite needs no savepoint: nothing
		// precedes it in the transaction, so when it fails the whole
		// transaction is rolled back (its own work only) and the functions
		// waiting start a batch of their own. SQLite does not abort a
		// transaction on a failed statement, so a function that goes on
		// after one keeps the statements that succeeded, as in a savepoint.
		r.panicked, r.err = call(func() error { return r.fn(&Tx{tx: tx, engine: c.engine, batch: b, owner: r}) })
		return r.err == nil && r.panicked == nil
	}
	if c.engine == Postgres {
		b.pending = append(b.pending, queued{query: savepointSQL})
	} else if _, err := tx.ExecContext(ctx, savepointSQL); err != nil {
		r.err = fmt.Errorf("sqldb: savepoint: %w", err)
		return false
	}
	hooks := len(b.hooks)
	r.panicked, r.err = call(func() error { return r.fn(&Tx{tx: tx, engine: c.engine, batch: b, owner: r}) })
	if r.err != nil || r.panicked != nil {
		b.hooks = b.hooks[:hooks] // the hooks of a function rolled back go with it
		unsent := len(b.pending) > 0 && b.pending[0].query == savepointSQL
		b.pending = nil
		if unsent {
			return true // nothing of the function reached the database
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT group_member"); err != nil {
			return false
		}
	} else if len(b.pending) == 1 && b.pending[0].query == savepointSQL {
		// The function sent and queued nothing (an audited read registers
		// only its hook): its savepoint never reaches the database, and
		// its release costs no round trip.
		b.pending = nil
		return true
	}
	if _, err := tx.ExecContext(b.carry(ctx), "RELEASE SAVEPOINT group_member"); err != nil {
		if r.err != nil || r.panicked != nil {
			return false
		}
		// A statement of the function failed and the function went on, or
		// a queued statement failed when it was sent with the release:
		// PostgreSQL refuses everything until the savepoint is rolled back.
		// The function fails alone, as it would have at its own commit.
		b.hooks = b.hooks[:hooks]
		if q, ok := errors.AsType[*QueuedError](err); ok {
			r.err = q
		} else {
			r.err = fmt.Errorf("sqldb: a statement failed and the transaction's function went on: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT group_member"); err != nil {
			return false
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT group_member"); err != nil {
			return false
		}
	}
	return true
}

// blame gives err to the caller whose queued statement failed, or else to
// r, unless that caller has an error already.
func blame(err error, r *txRequest) {
	if q, ok := errors.AsType[*QueuedError](err); ok && q.owner != nil {
		r = q.owner
	}
	if r.err == nil {
		r.err = err
	}
}

// Bookkeeping runs fn in a write transaction of its own, outside the group
// commit, and commits it when fn returns nil; its hooks run before its
// commit. It is for bookkeeping: writes that must not wait behind a batch of
// changes or share its fate, and whose loss in a crash of the database
// server costs nothing but a repetition — the job queue's claims and
// results, when an API token was last used. Waiting for the writer ends with
// ctx; once begun, the statements run to their end. On PostgreSQL the commit
// does not wait for the disk (synchronous_commit off): a flush for each of
// them took the disk from the changes, whose commits still wait for it.
func (db *DB) Bookkeeping(ctx context.Context, fn func(*Tx) error) error {
	db.bookkeeping.Add(1)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.Engine == Postgres {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
			return err
		}
	}
	b := &batch{state: map[any]any{}}
	if err := fn(&Tx{tx: tx, engine: db.Engine, batch: b}); err != nil {
		return err
	}
	for i := b.next(); i >= 0; i = b.next() {
		if err := b.hooks[i].fn(&Tx{tx: tx, engine: db.Engine, batch: b}); err != nil {
			return err
		}
	}
	if err := b.flush(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Analyze refreshes the planner's statistics (after a bulk load, so that
// the engine chooses its indexes for the data as it now is). It runs on the
// writer outside any transaction: ANALYZE may take minutes, and a batch of
// changes should not wait inside it.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, "ANALYZE")
	return err
}

// detachedConn is a PostgreSQL write connection whose statements ignore
// their context's cancellation (see the top of this file). SQLite's write
// connection does the same in cachingConn.
type detachedConn struct {
	inner pgConn
	trips *atomic.Int64 // the connector's RoundTrips
}

// pgConn is what the writer needs of a pgx stdlib connection.
type pgConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
	Conn() *pgx.Conn
}

type detachedConnector struct {
	driver.Connector
	// trips counts what the writer's connections send and wait for: a
	// statement, a batch of queued statements and the one sent with them,
	// a BEGIN, a COMMIT or ROLLBACK.
	trips *atomic.Int64
}

func (c detachedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(pgConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqldb: the PostgreSQL driver's connection %T lacks a method the writer needs", conn)
	}
	return detachedConn{inner, c.trips}, nil
}

func (c detachedConn) Prepare(q string) (driver.Stmt, error) { return c.inner.Prepare(q) }
func (c detachedConn) Close() error                          { return c.inner.Close() }
func (c detachedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}
func (c detachedConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	c.trips.Add(1)
	tx, err := c.inner.BeginTx(context.WithoutCancel(ctx), o)
	if err != nil {
		return nil, err
	}
	return countedTx{tx, c.trips}, nil
}
func (c detachedConn) ExecContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Result, error) {
	c.trips.Add(1)
	if p := pendingIn(ctx); p != nil {
		return c.execAfter(context.WithoutCancel(ctx), p, q, a)
	}
	return c.inner.ExecContext(context.WithoutCancel(ctx), q, a)
}
func (c detachedConn) QueryContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Rows, error) {
	c.trips.Add(1)
	if p := pendingIn(ctx); p != nil {
		return c.queryAfter(context.WithoutCancel(ctx), p, q, a)
	}
	return c.inner.QueryContext(context.WithoutCancel(ctx), q, a)
}
func (c detachedConn) Ping(ctx context.Context) error             { return c.inner.Ping(ctx) }
func (c detachedConn) ResetSession(ctx context.Context) error     { return c.inner.ResetSession(ctx) }
func (c detachedConn) CheckNamedValue(v *driver.NamedValue) error { return c.inner.CheckNamedValue(v) }

// countedTx counts the end of a writer's transaction as a round trip.
type countedTx struct {
	driver.Tx
	trips *atomic.Int64
}

func (t countedTx) Commit() error   { t.trips.Add(1); return t.Tx.Commit() }
func (t countedTx) Rollback() error { t.trips.Add(1); return t.Tx.Rollback() }

// RoundTrips reports how many times the PostgreSQL writer sent something
// and waited for its answer (see detachedConnector); 0 on SQLite. It is
// for tests and measurements: the committer's time on PostgreSQL is mostly
// these waits.
func (db *DB) RoundTrips() int64 {
	if db.trips == nil {
		return 0
	}
	return db.trips.Load()
}

// Bookkeepings reports how many bookkeeping transactions (Bookkeeping)
// were begun (for tests: each is a commit of its own on the writer).
func (db *DB) Bookkeepings() int64 { return db.bookkeeping.Load() }

// GroupCommits reports how many commits the committer made and how many
// transactions they committed (for tests).
func (db *DB) GroupCommits() (commits, committed int64) {
	return db.group.batches.Load(), db.group.committed.Load()
}
