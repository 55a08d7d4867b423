package sqldb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
)

// SQLite parses and plans a statement every time database/sql runs one
// through the driver's ExecContext or QueryContext: a third of a report's
// time went to the parser (docs/performance.md). The connections of an
// SQLite database are therefore wrapped so that they keep their prepared
// statements: a wrapped connection offers database/sql no ExecerContext or
// QueryerContext, so database/sql prepares, runs and closes, and closing
// returns the statement to the connection's cache, from which the next
// prepare of the same text takes it. A statement still in use (its rows not
// yet closed) is not in the cache, so a query run again inside its own loop
// gets a statement of its own. The least recently used statements past
// stmtCacheSize are finalized.

// stmtCacheSize is how many idle statements a connection keeps.
const stmtCacheSize = 256

type cachingConnector struct {
	driver.Connector
	// detach makes statements ignore their context's cancellation: set on
	// the write connection (group.go).
	detach bool
	trace  *stmtTrace
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{inner: conn, detach: c.detach, trace: c.trace, idle: make(map[string]*list.Element), lru: list.New()}, nil
}

// cachingConn is one connection and its idle statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	inner  driver.Conn
	detach bool
	trace  *stmtTrace
	idle   map[string]*list.Element // query → element of lru holding a *cachedStmt
	lru    *list.List               // front: most recently returned
}

var (
	_ driver.Conn               = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if e, ok := c.idle[query]; ok {
		c.lru.Remove(e)
		delete(c.idle, query)
		s := e.Value.(*cachedStmt)
		s.closed = false
		return s, nil
	}
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.inner.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &cachedStmt{inner: st, conn: c, query: query}, nil
}

// put takes back a statement its user closed.
func (c *cachingConn) put(s *cachedStmt) error {
	if _, dup := c.idle[s.query]; dup || c.inner == nil {
		return s.inner.Close()
	}
	c.idle[s.query] = c.lru.PushFront(s)
	var err error
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.idle, old.query)
		err = errors.Join(err, old.inner.Close())
	}
	return err
}

func (c *cachingConn) Close() error {
	var err error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		err = errors.Join(err, e.Value.(*cachedStmt).inner.Close())
	}
	c.lru.Init()
	clear(c.idle)
	err = errors.Join(err, c.inner.Close())
	c.inner = nil
	return err
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// context is the context a statement of c runs in: ctx, or ctx without its
// cancellation when c is detached.
func (c *cachingConn) context(ctx context.Context) context.Context {
	if c.detach {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	ctx = c.context(ctx)
	if b, ok := c.inner.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errors.New("sqldb: the SQLite driver's connections lack BeginTx")
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.inner.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachedStmt is a prepared statement that goes back to its connection's
// cache when closed.
type cachedStmt struct {
	inner  driver.Stmt
	conn   *cachingConn
	query  string
	closed bool
}

var (
	_ driver.StmtExecContext  = (*cachedStmt)(nil)
	_ driver.StmtQueryContext = (*cachedStmt)(nil)
)

func (s *cachedStmt) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.conn.put(s)
}

func (s *cachedStmt) NumInput() int { return s.inner.NumInput() }

// Exec and Query complete driver.Stmt; database/sql calls the Context forms.
func (s *cachedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *cachedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.conn.trace.record(s.query)
	ctx = s.conn.context(ctx)
	if e, ok := s.inner.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, errors.New("sqldb: the SQLite driver's statements lack ExecContext")
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.conn.trace.record(s.query)
	ctx = s.conn.context(ctx)
	if q, ok := s.inner.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, errors.New("sqldb: the SQLite driver's statements lack QueryContext")
}

// stmtTrace records the statements a SQLite database runs while it is on
// (DB.TraceStatements), for the tests that hold a request's statement count
// down. Off, it costs one atomic load per statement.
type stmtTrace struct {
	on  atomic.Bool
	mu  sync.Mutex
	log []string
}

func (t *stmtTrace) record(query string) {
	if t == nil || !t.on.Load() {
		return
	}
	t.mu.Lock()
	t.log = append(t.log, query)
	t.mu.Unlock()
}

// TraceStatements starts recording every SQL statement the database runs,
// on any connection, and returns the function that stops and returns them
// in order; one trace at a time. On SQLite every statement run through the
// statement cache (BEGIN and COMMIT are not); on PostgreSQL every statement
// sent, alone or in a batch (pgTracer), but BEGIN, COMMIT and ROLLBACK, so
// that the two engines' counts compare.
func (db *DB) TraceStatements() (stop func() []string) {
	t := db.trace
	if t == nil {
		return func() []string { return nil }
	}
	t.mu.Lock()
	t.log = nil
	t.mu.Unlock()
	t.on.Store(true)
	return func() []string {
		t.on.Store(false)
		t.mu.Lock()
		defer t.mu.Unlock()
		out := t.log
		t.log = nil
		return out
	}
}
