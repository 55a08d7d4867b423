package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one embedded schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the engine's migrations in order. File names are
// NNNN_name.sql; versions must be unique and ascending without gaps.
func Migrations(e Engine) ([]Migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations of %s: %w", e, err)
	}
	var ms []Migration
	for _, de := range entries {
		name := de.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqldb: migration %s: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("sqldb: migration %s: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// NewerSchemaError is a database migrated by a newer release than the
// running binary: the binary refuses it rather than run on a schema it does
// not know (a downgrade needs the backup taken before the upgrade).
type NewerSchemaError struct {
	Unknown []string // the applied migrations this binary does not have
	Known   int      // how many migrations this binary has
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("sqldb: the database was migrated by a newer kasuhara (migrations %s are not in this binary, which knows %d): "+
		"run that release or a later one, or restore the backup taken before the upgrade", strings.Join(e.Unknown, ", "), e.Known)
}

// CheckSchema reports a NewerSchemaError when a newer release migrated the
// database after this server started (a rolling upgrade: the new server
// migrates, the old ones still run). The server's /readyz asks it, so that
// a load balancer takes an old server out instead of letting it write to a
// schema it does not know.
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return err
	}
	rows, err := db.Read.QueryContext(ctx, "SELECT name FROM schema_migrations WHERE version > $1 ORDER BY version", len(ms))
	if err != nil {
		return fmt.Errorf("sqldb: read schema_migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		unknown = append(unknown, name)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return &NewerSchemaError{Unknown: unknown, Known: len(ms)}
	}
	return nil
}

// migrationLockKey is the PostgreSQL advisory lock that serialises servers
// starting at the same time (an arbitrary constant: "kasuhara" in ASCII).
const migrationLockKey = 0x6b61737568617261

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	return db.MigrateTo(ctx, -1)
}

// MigrateTo is Migrate up to and including migration version (all of them
// when version is negative): the tests of a migration that changes data
// write that data as the release before it did, then migrate the rest.
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	var applied []int
	err := db.WithLock(ctx, func(conn *sql.Conn) error {
		var err error
		applied, err = db.migrate(ctx, conn, version)
		return err
	})
	return applied, err
}

// WithLock runs fn on one connection while holding the installation-wide
// lock: a session advisory lock on PostgreSQL, and on SQLite the single
// writer connection itself. Migrations and the first-run bootstrap use it.
func (db *DB) WithLock(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: lock: %w", err)
	}
	defer conn.Close()
	if db.Engine == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockKey)); err != nil {
			return fmt.Errorf("sqldb: advisory lock: %w", err)
		}
		defer func() {
			// A fresh context: the unlock must run even when ctx was cancelled.
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(uctx, "SELECT pg_advisory_unlock($1)", int64(migrationLockKey))
		}()
	}
	return fn(conn)
}

func (db *DB) migrate(ctx context.Context, conn *sql.Conn, upTo int) ([]int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return nil, err
	}
	if db.Engine == SQLite {
		// The writer keeps its statement journals in memory (writerPragmas);
		// a migration's statement may change every row of a table, so its
		// journal goes to a temporary file as SQLite's default has it.
		if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
			return nil, fmt.Errorf("sqldb: temp_store: %w", err)
		}
		defer func() {
			// A fresh context: the writer must get its setting back even
			// when ctx was cancelled.
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(rctx, "PRAGMA temp_store = MEMORY")
		}()
	}
	ts := "TIMESTAMP"
	if db.Engine == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("sqldb: create schema_migrations: %w", err)
	}
	done := map[int]bool{}
	var unknown []string
	rows, err := conn.QueryContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("sqldb: read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
		if v < 1 || v > len(ms) || ms[v-1].Name != name {
			unknown = append(unknown, name)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, &NewerSchemaError{Unknown: unknown, Known: len(ms)}
	}
	var applied []int
	for _, m := range ms {
		if done[m.Version] || (upTo >= 0 && m.Version > upTo) {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return applied, fmt.Errorf("sqldb: migration %s: begin: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("sqldb: migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
			m.Version, m.Name, time.Now().UTC()); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("sqldb: migration %s: record: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("sqldb: migration %s: commit: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}
