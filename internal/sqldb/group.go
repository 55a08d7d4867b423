package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Group commit. Every write transaction of the product goes through DB.Tx,
// and on both engines the writes are serialised anyway: SQLite has one
// writer, and on PostgreSQL every audited change takes the audit chain's
// lock until it commits. A commit is the expensive part of a short
// transaction (the WAL append on SQLite, the WAL flush and fsync on
// PostgreSQL), so one goroutine, the committer, runs the transactions that
// arrive together in one database transaction, each inside a savepoint of
// its own, and commits once for all of them.
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

type txRequest struct {
	ctx      context.Context
	fn       func(*sql.Tx) error
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

type committer struct {
	db       *sql.DB
	requests chan *txRequest
	quit     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	stopOnce sync.Once
	// batches and committed count batches and committed functions.
	batches, committed atomic.Int64

	// tx is the batch's transaction while it runs; hooks are the functions
	// registered for it with BeforeCommit, and current the caller whose
	// function (or hook) is running. The functions run one at a time, each
	// on a goroutine of its own that the committer waits for (call), so
	// hooks and current need no lock; tx is also read by BeforeCommit
	// callers outside any batch.
	tx      atomic.Pointer[sql.Tx]
	hooks   []hook
	current *txRequest
	state   map[any]any // TxState's values for the batch
}

// hook is a function registered with BeforeCommit, and the caller that
// registered it.
type hook struct {
	fn    func(*sql.Tx) error
	owner *txRequest
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

func newCommitter(db *sql.DB) *committer {
	return &committer{db: db, requests: make(chan *txRequest), quit: make(chan struct{}), stopped: make(chan struct{})}
}

// do runs fn through the committer and returns its outcome.
func (c *committer) do(ctx context.Context, fn func(*sql.Tx) error) error {
	c.once.Do(func() { go c.loop() })
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.requests <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return errClosed
	}
	<-r.done // fn may be running: its outcome is needed whatever the context says
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// stop ends the committer after the batch it is running.
func (c *committer) stop() {
	c.stopOnce.Do(func() {
		close(c.quit)
		c.once.Do(func() { close(c.stopped) }) // never started
	})
	<-c.stopped
}

func (c *committer) loop() {
	defer close(c.stopped)
	for {
		select {
		case r := <-c.requests:
			c.batch(r)
		case <-c.quit:
			return
		}
	}
}

// batch runs first and whatever else is waiting, up to maxBatch, in one
// transaction.
func (c *committer) batch(first *txRequest) {
	batch := []*txRequest{first}
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		first.err = fmt.Errorf("sqldb: begin: %w", err)
		return
	}
	c.tx.Store(tx)
	c.hooks, c.state = c.hooks[:0], map[any]any{}
	defer func() { c.tx.Store(nil); c.hooks, c.state = c.hooks[:0], nil }()
	ok := c.run(tx, first)
	for ok && len(batch) < maxBatch {
		var r *txRequest
		select {
		case r = <-c.requests:
		default:
		}
		if r == nil {
			break
		}
		batch = append(batch, r)
		ok = c.run(tx, r)
	}
	c.batches.Add(1)
	// The hooks, in order; a hook may register more, which run after it.
	for i := 0; ok && i < len(c.hooks); i++ {
		h := c.hooks[i]
		c.current = h.owner
		p, herr := call(func() error { return h.fn(tx) })
		c.current = nil
		switch {
		case p != nil:
			h.owner.panicked, ok = p, false
		case herr != nil:
			ok = false
			if h.owner.err == nil {
				h.owner.err = herr
			}
		}
	}
	if ok {
		err = tx.Commit()
		if err == nil {
			for _, r := range batch {
				if r.err == nil && r.panicked == nil {
					c.committed.Add(1)
				}
			}
			return
		}
		err = fmt.Errorf("sqldb: commit: %w (%w)", err, errBatchFailed)
	} else {
		_ = tx.Rollback()
		if err != nil {
			err = fmt.Errorf("%w (%w)", err, errBatchFailed)
		} else {
			err = errBatchFailed
		}
	}
	for _, r := range batch {
		if r.err == nil && r.panicked == nil {
			r.err = err
		}
	}
}

// run runs one function inside a savepoint. It reports false when the
// transaction itself is no longer usable.
func (c *committer) run(tx *sql.Tx, r *txRequest) (ok bool) {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return true
	}
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, "SAVEPOINT group_member"); err != nil {
		r.err = fmt.Errorf("sqldb: savepoint: %w", err)
		return false
	}
	hooks := len(c.hooks)
	c.current = r
	r.panicked, r.err = call(func() error { return r.fn(tx) })
	c.current = nil
	if r.err != nil || r.panicked != nil {
		c.hooks = c.hooks[:hooks] // the hooks of a function rolled back go with it
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT group_member"); err != nil {
			return false
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT group_member"); err != nil {
		if r.err != nil || r.panicked != nil {
			return false
		}
		// A statement of the function failed and the function went on:
		// PostgreSQL refuses everything until the savepoint is rolled back.
		// The function fails alone, as it would have at its own commit.
		c.hooks = c.hooks[:hooks]
		r.err = fmt.Errorf("sqldb: a statement failed and the transaction's function went on: %w", err)
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT group_member"); err != nil {
			return false
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT group_member"); err != nil {
			return false
		}
	}
	return true
}

// BeforeCommit registers fn to run in tx after every function of its batch,
// just before the commit, in the order registered; it is dropped if the
// function that registered it fails. Work that is cheaper done once for many
// changes goes there: SQLite's full-text index writes a new segment, and
// merges segments, at every savepoint after a change, so the search index of
// a batch's reports is written once, at the end. If fn fails, the whole batch
// fails. Outside a group-committed transaction fn runs at once.
func (db *DB) BeforeCommit(tx *sql.Tx, fn func(*sql.Tx) error) error {
	if tx == nil || db.group.tx.Load() != tx {
		return fn(tx)
	}
	db.group.hooks = append(db.group.hooks, hook{fn: fn, owner: db.group.current})
	return nil
}

// TxState returns the value kept under key for the batch of tx, made by
// init the first time; it lives until the batch ends, committed or not.
// Hooks use it to do once per batch what each change would otherwise do.
// Outside a group-committed transaction it returns a new init() every time.
func (db *DB) TxState(tx *sql.Tx, key any, init func() any) any {
	if tx == nil || db.group.tx.Load() != tx {
		return init()
	}
	v, ok := db.group.state[key]
	if !ok {
		v = init()
		db.group.state[key] = v
	}
	return v
}

// detachedConn is a PostgreSQL write connection whose statements ignore
// their context's cancellation (see the top of this file). SQLite's write
// connection does the same in cachingConn.
type detachedConn struct{ inner pgConn }

// pgConn is what the writer needs of a pgx stdlib connection.
type pgConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.NamedValueChecker
}

type detachedConnector struct{ driver.Connector }

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
	return detachedConn{inner}, nil
}

func (c detachedConn) Prepare(q string) (driver.Stmt, error) { return c.inner.Prepare(q) }
func (c detachedConn) Close() error                          { return c.inner.Close() }
func (c detachedConn) Begin() (driver.Tx, error) {
	return c.inner.BeginTx(context.Background(), driver.TxOptions{})
}
func (c detachedConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(context.WithoutCancel(ctx), o)
}
func (c detachedConn) ExecContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Result, error) {
	return c.inner.ExecContext(context.WithoutCancel(ctx), q, a)
}
func (c detachedConn) QueryContext(ctx context.Context, q string, a []driver.NamedValue) (driver.Rows, error) {
	return c.inner.QueryContext(context.WithoutCancel(ctx), q, a)
}
func (c detachedConn) Ping(ctx context.Context) error             { return c.inner.Ping(ctx) }
func (c detachedConn) ResetSession(ctx context.Context) error     { return c.inner.ResetSession(ctx) }
func (c detachedConn) CheckNamedValue(v *driver.NamedValue) error { return c.inner.CheckNamedValue(v) }

// GroupCommits reports how many commits the committer made and how many
// transactions they committed (for tests).
func (db *DB) GroupCommits() (commits, committed int64) {
	return db.group.batches.Load(), db.group.committed.Load()
}
