// Package sqldb opens the database — embedded SQLite or PostgreSQL — and
// brings its schema up to date with the embedded migrations.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database: every change goes through Tx (group.go), and
// Read serves queries. On SQLite the writer is a single connection (SQLite
// allows one writer at a time; queuing in Go is cheaper than busy-waiting in
// SQLite) and Read a pool of read-only connections; on PostgreSQL both are
// one pool.
type DB struct {
	Engine Engine
	Read   *sql.DB
	// Path is the SQLite file, "" on PostgreSQL.
	Path string

	write *sql.DB
	pool  *pgxpool.Pool
	group *committer
	// stopOptimize ends SQLite's hourly optimize (optimize.go).
	stopOptimize func()
	trace        *stmtTrace
	trips        *atomic.Int64 // RoundTrips; nil on SQLite
	bookkeeping  atomic.Int64  // Bookkeepings
}

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "kasuhara.db"

// Options are the settings of an open database.
type Options struct {
	// Committers is how many batches of changes run at once on PostgreSQL
	// (group.go); 0 means DefaultCommitters. SQLite has one writer.
	Committers int
}

// DefaultCommitters is Options.Committers when 0: the batches at once on
// PostgreSQL (--pg-committers, docs/operations.md). One: on the 2-core
// machine of docs/performance.md four took fewer reports and checks a
// second than one ("Several committers on PostgreSQL").
const DefaultCommitters = 1

// Open opens the database named by dsn: "" means SQLite in dataDir, a
// postgres:// or postgresql:// URL means PostgreSQL. It does not migrate.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	return OpenWith(ctx, dsn, dataDir, Options{})
}

// OpenWith is Open with settings.
func OpenWith(ctx context.Context, dsn, dataDir string, o Options) (*DB, error) {
	switch {
	case dsn == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sqldb: create data directory %s: %w", dataDir, err)
		}
		return OpenSQLite(ctx, filepath.Join(dataDir, SQLiteFile))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, o)
	default:
		return nil, errors.New("sqldb: --database must be empty (SQLite in the data directory) or a postgres:// URL")
	}
}

// sqlitePragmas are applied to every connection. busy_timeout comes first so
// that the pragmas after it wait for a lock instead of failing.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)" +
	"&_pragma=synchronous(NORMAL)&_time_format=sqlite"

// writerPragmas are the writer connection's own, after sqlitePragmas.
const writerPragmas = "&_txlock=immediate&_pragma=temp_store(MEMORY)"

// OpenSQLite opens the SQLite database file at path, creating it if needed.
// The file is the owner's only (0600); SQLite gives its -wal and -shm files
// the database file's mode.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("sqldb: open %s: %w", path, err)
	}
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	trace := &stmtTrace{}
	w, err := openSQLiteWriter(ctx, u, trace)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open %s: %w", path, err)
	}
	r, err := openSQLite(u+"?"+sqlitePragmas+"&_pragma=query_only(1)", false, trace)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqldb: open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{Engine: SQLite, write: w, Read: r, Path: path, group: newCommitter(w, SQLite, 1), trace: trace}
	db.stopOptimize = db.optimizeEvery(OptimizeInterval)
	return db, nil
}

// privateFiles creates the database file with mode 0600 before SQLite
// would create it with 0644, and takes group and other permissions away
// from the files of an existing database (made by an older version).
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// openSQLite opens a pool of SQLite connections that keep their prepared
// statements (stmtcache.go).
func openSQLite(dsn string, detach bool, trace *stmtTrace) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{c, detach, trace}), nil
}

// OpenBareSQLite opens the SQLite database file at path as one writer
// connection with the product's pragmas and statement cache, and nothing
// else: no group commit, no migrations. It is the load tool's baseline of
// what SQLite does alone.
func OpenBareSQLite(ctx context.Context, path string) (*sql.DB, error) {
	w, err := openSQLiteWriter(ctx, "file:"+(&url.URL{Path: path}).EscapedPath(), &stmtTrace{})
	if err != nil {
		return nil, fmt.Errorf("sqldb: open %s: %w", path, err)
	}
	return w, nil
}

// openSQLiteWriter opens the one writer connection of the SQLite database
// at the file URL u, with the product's pragmas and statement cache, and
// checks that it answers.
func openSQLiteWriter(ctx context.Context, u string, trace *stmtTrace) (*sql.DB, error) {
	// _txlock=immediate takes the write lock at BEGIN: without it a
	// read-then-write transaction can fail with "database is locked".
	// temp_store(MEMORY): the writer keeps its statement journals in memory.
	// Group commit runs every function of a batch in a savepoint, and each
	// savepoint journals the original of every page it changes; past 64 KiB
	// SQLite spills that journal to a temporary file, so a report paid a
	// write system call per page (a fifth of the writer's CPU at a million
	// cases, docs/performance.md). Migrations, whose single statements may
	// change a whole table, switch back to files (migrate.go).
	w, err := openSQLite(u+"?"+sqlitePragmas+writerPragmas, true, trace)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// OpenPostgres connects to PostgreSQL.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	return openPostgres(ctx, dsn, Options{})
}

func openPostgres(ctx context.Context, dsn string, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqldb: --database is not a valid PostgreSQL URL: %w", errors.Unwrap(err))
	}
	committers := o.Committers
	if committers <= 0 {
		committers = DefaultCommitters
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgxpool's default (4, or the number of CPUs) for the reads,
		// and a connection for each committer on top: a committer holds
		// its connection for the whole batch.
		cfg.MaxConns += int32(committers)
	}
	trace := &stmtTrace{}
	cfg.ConnConfig.Tracer = pgTracer{trace}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqldb: connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqldb: connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	// Reads and writes share the pool; the writer's statements ignore
	// cancellation (group.go).
	trips := &atomic.Int64{}
	w := sql.OpenDB(detachedConnector{stdlib.GetPoolConnector(pool), trips})
	w.SetMaxIdleConns(0) // as GetPoolConnector asks: the pool keeps them
	return &DB{Engine: Postgres, write: w, Read: stdlib.OpenDBFromPool(pool), pool: pool, group: newCommitter(w, Postgres, committers), trips: trips, trace: trace}, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	var err error
	if db.stopOptimize != nil {
		db.stopOptimize()
		// The statistics the planner finds at the next start.
		err = db.Optimize(context.Background())
	}
	db.group.stop()
	err = errors.Join(err, db.write.Close())
	if db.Read != db.write {
		err = errors.Join(err, db.Read.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Ping checks that the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.Read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx runs fn in a write transaction and commits it when fn returns nil;
// transactions that arrive together share one commit (group.go). fn must
// not call Tx itself.
func (db *DB) Tx(ctx context.Context, fn func(*Tx) error) error {
	return db.group.do(ctx, fn)
}

// Backup writes a consistent copy of the SQLite database to path while the
// server may be running (VACUUM INTO). On PostgreSQL use pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Engine != SQLite {
		return errors.New("sqldb: backup of PostgreSQL: use pg_dump (see docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqldb: backup: %s exists; choose a new file name", path)
	}
	// VACUUM INTO writes into an empty file: make it the owner's only
	// first, as the database is.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqldb: backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqldb: backup: %w", err)
	}
	// A connection of its own: readers are query_only, and the writer must
	// stay free for the running server. VACUUM INTO reads one snapshot.
	c, err := sql.Open("sqlite", "file:"+(&url.URL{Path: db.Path}).EscapedPath()+"?"+sqlitePragmas)
	if err != nil {
		return fmt.Errorf("sqldb: backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO $1", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("sqldb: backup to %s: %w", path, err)
	}
	return nil
}
