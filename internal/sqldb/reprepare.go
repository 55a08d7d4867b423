package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// WriterReprepares reads, for every statement idle in the SQLite writer's
// statement cache (stmtcache.go), how many times SQLite has compiled it
// again since it was prepared (SQLITE_STMTSTATUS_REPREPARE), by its text.
//
// With the statistics of ANALYZE (STAT4) SQLite plans a statement for the
// values of the parameters it compares with an indexed column and marks
// them; binding another value to one of them expires the statement, and its
// next step parses and plans it anew. A statement of the writer that is
// compiled on every run costs a report its parse and plan, which the cache
// is there to save (docs/performance.md); a parameter written +$N is not
// probed. Tests use this to keep every statement of a report compiled once.
// On PostgreSQL it returns nil.
func (db *DB) WriterReprepares(ctx context.Context) (map[string]int, error) {
	if db.Engine != SQLite {
		return nil, nil
	}
	return reprepares(ctx, db.write)
}

// ReaderReprepares is WriterReprepares for one connection of the reader
// pool: the one database/sql gives next. A test that means all reads sets
// db.Read.SetMaxOpenConns(1) first.
func (db *DB) ReaderReprepares(ctx context.Context) (map[string]int, error) {
	if db.Engine != SQLite {
		return nil, nil
	}
	return reprepares(ctx, db.Read)
}

func reprepares(ctx context.Context, pool *sql.DB) (map[string]int, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	out := map[string]int{}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("sqldb: the writer's connection is a %T", dc)
		}
		tls := libc.NewTLS()
		defer tls.Close()
		for e := c.lru.Front(); e != nil; e = e.Next() {
			s := e.Value.(*cachedStmt)
			p, err := sqliteHandle(s.inner)
			if err != nil {
				return err
			}
			if p == 0 {
				continue // a script or a comment: nothing compiled once
			}
			out[s.query] = int(sqlite3.Xsqlite3_stmt_status(tls, p, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0))
		}
		return nil
	})
	return out, err
}

// sqliteHandle is the sqlite3_stmt of the driver's statement st: the
// driver keeps it in an unexported field, read here by reflection. If the
// driver changes, this fails instead of reading nothing.
func sqliteHandle(st any) (uintptr, error) {
	v := reflect.ValueOf(st)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, fmt.Errorf("sqldb: the driver's statement is a %T", st)
	}
	f := v.Elem().FieldByName("pstmt")
	if !f.IsValid() || f.Kind() != reflect.Uintptr {
		return 0, errors.New("sqldb: the SQLite driver's statement has no pstmt handle")
	}
	return uintptr(f.Uint()), nil
}
