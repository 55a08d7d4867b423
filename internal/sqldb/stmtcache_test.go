package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
)

// countingConnector counts the statements the driver really prepares.
type countingConnector struct {
	driver.Connector
	prepares *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{conn.(fullConn), c.prepares}, nil
}

type fullConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
}

type countingConn struct {
	fullConn
	prepares *atomic.Int64
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.prepares.Add(1)
	return c.fullConn.PrepareContext(ctx, q)
}

func openCounting(t *testing.T) (*sql.DB, *atomic.Int64) {
	t.Helper()
	c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "c.db") + "?" + sqlitePragmas)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	db := sql.OpenDB(cachingConnector{countingConnector{c, &n}, false, nil})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return db, &n
}

func TestStmtCacheReusesStatements(t *testing.T) {
	db, n := openCounting(t)
	before := n.Load()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := tx.Exec("INSERT INTO t (id, v) VALUES (?, ?)", i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		var v string
		if err := db.QueryRow("SELECT v FROM t WHERE id = ?", i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, v, err)
		}
	}
	if got := n.Load() - before; got != 2 {
		t.Errorf("200 statements of two texts prepared %d times, want 2", got)
	}
	// A failing statement reports its error and leaves the cache usable.
	if _, err := db.Exec("INSERT INTO t (id, v) VALUES (?, ?)", 1, "again"); err == nil {
		t.Error("a duplicate key was accepted")
	}
	if _, err := db.Exec("INSERT INTO t (id, v) VALUES (?, ?)", 1000, "new"); err != nil {
		t.Errorf("after a failed statement: %v", err)
	}
	if _, err := db.Exec("INSERT INTO nowhere VALUES (1)"); err == nil {
		t.Error("a statement on a missing table was accepted")
	}
}

// A query run again while its own rows are open gets a statement of its
// own: the outer rows are not reset under the loop.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	db, _ := openCounting(t)
	for i := range 5 {
		if _, err := db.Exec("INSERT INTO t (id, v) VALUES (?, ?)", i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	const q = "SELECT id, v FROM t WHERE id >= ? ORDER BY id"
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer []int
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
		inner, err := tx.Query(q, 3)
		if err != nil {
			t.Fatal(err)
		}
		var m int
		for inner.Next() {
			m++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		if m != 2 {
			t.Fatalf("inner query saw %d rows, want 2", m)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(outer) != "[0 1 2 3 4]" {
		t.Errorf("outer rows %v, want [0 1 2 3 4]", outer)
	}
}

// Past stmtCacheSize idle statements the least recently used are finalized.
func TestStmtCacheBounded(t *testing.T) {
	db, n := openCounting(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range stmtCacheSize + 50 {
		var x int
		if err := conn.QueryRowContext(context.Background(), fmt.Sprintf("SELECT %d", i)).Scan(&x); err != nil || x != i {
			t.Fatalf("SELECT %d: %d, %v", i, x, err)
		}
	}
	var size int
	if err := conn.Raw(func(dc any) error {
		size = dc.(*cachingConn).lru.Len()
		if len(dc.(*cachingConn).idle) != size {
			t.Errorf("index %d, list %d", len(dc.(*cachingConn).idle), size)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if size != stmtCacheSize {
		t.Errorf("%d idle statements, want %d", size, stmtCacheSize)
	}
	// The most recent ones are kept, the first ones were finalized.
	before := n.Load()
	var x int
	_ = conn.QueryRowContext(context.Background(), fmt.Sprintf("SELECT %d", stmtCacheSize+49)).Scan(&x)
	if n.Load() != before {
		t.Error("a recent statement was prepared again")
	}
	_ = conn.QueryRowContext(context.Background(), "SELECT 0").Scan(&x)
	if n.Load() != before+1 {
		t.Error("the oldest statement was still cached")
	}
}
