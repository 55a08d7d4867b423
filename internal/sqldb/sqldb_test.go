package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestMigrateIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.OpenEmpty(t, e)
		ctx := context.Background()
		ms, err := sqldb.Migrations(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ms) {
			t.Fatalf("first migrate applied %v, want %d migrations", got, len(ms))
		}
		got, err = db.Migrate(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("second migrate applied %v, %v; want nothing", got, err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != len(ms) {
			t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
		}
	})
}

// Several servers starting at once against one PostgreSQL must not apply a
// migration twice: the advisory lock serialises them.
func TestMigrateConcurrently(t *testing.T) {
	dsn := testdb.NewPostgresDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	applied := make([][]int, 4)
	for i := range 4 {
		wg.Go(func() {
			db, err := sqldb.Open(ctx, dsn, "")
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = db.Migrate(ctx)
		})
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	ms, _ := sqldb.Migrations(sqldb.Postgres)
	if total != len(ms) {
		t.Fatalf("migrations applied %d times in all, want %d", total, len(ms))
	}
}

func TestMigrationsOfBothEnginesAgree(t *testing.T) {
	a, err := sqldb.Migrations(sqldb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sqldb.Migrations(sqldb.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, a[i].Name, b[i].Name)
		}
	}
}

func TestOpenRejectsUnknownDatabase(t *testing.T) {
	_, err := sqldb.Open(context.Background(), "mysql://x", t.TempDir())
	if err == nil {
		t.Fatal("got nil error for a mysql URL")
	}
}

func TestSQLiteWriterAndReaders(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	ctx := context.Background()
	if db.Writer().Stats().MaxOpenConnections != 1 {
		t.Fatalf("writer pool allows %d connections, want 1", db.Writer().Stats().MaxOpenConnections)
	}
	// Readers are query_only: a write through them fails.
	if _, err := db.Read.ExecContext(ctx, "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, '')"); err == nil {
		t.Fatal("write through the reader pool succeeded")
	}
	var mode string
	if err := db.Read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v; want 1", fk, err)
	}
}

// TestSQLiteWriterJournalsInMemory: the writer keeps its statement journals
// in memory (temp_store 2), also after migrating, which switches to files
// while it runs; the readers keep SQLite's default (0), so a large sort of a
// read spills to a file instead of growing the heap.
func TestSQLiteWriterJournalsInMemory(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	ctx := context.Background()
	check := func(when string, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}, want int) {
		t.Helper()
		var got int
		if err := q.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&got); err != nil || got != want {
			t.Fatalf("%s: temp_store = %d, %v; want %d", when, got, err, want)
		}
	}
	check("writer", db.Writer(), 2)
	check("reader", db.Read, 0)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check("writer after Migrate", db.Writer(), 2)
}

func TestBackupSQLite(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	cp, err := sqldb.OpenSQLite(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var n int
	if err := cp.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("backup has %d migrations (%v)", n, err)
	}
	if err := db.Backup(ctx, out); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
}

// CheckSchema passes on the schema the binary made.
func TestCheckSchemaOnTheBinarysOwn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		if err := db.CheckSchema(context.Background()); err != nil {
			t.Fatalf("CheckSchema on a database this binary migrated = %v", err)
		}
	})
}

// An older binary on a database that a newer release migrated refuses to
// run and names the migrations it does not know.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.Open(t, e)
		ctx := context.Background()
		ms, _ := sqldb.Migrations(e)
		next := fmt.Sprintf("%04d_from_the_future.sql", len(ms)+1)
		testdb.Exec(t, db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", len(ms)+1, next, time.Now().UTC())
		_, err := db.Migrate(ctx)
		var newer *sqldb.NewerSchemaError
		if !errors.As(err, &newer) || !slices.Equal(newer.Unknown, []string{next}) {
			t.Fatalf("Migrate = %v, want a NewerSchemaError naming %s", err, next)
		}
		// A server that started before the newer release migrated finds
		// out at its next readiness check (issue 24: rolling upgrades).
		if cerr := db.CheckSchema(ctx); !errors.As(cerr, &newer) || !slices.Equal(newer.Unknown, []string{next}) {
			t.Fatalf("CheckSchema = %v, want a NewerSchemaError naming %s", cerr, next)
		}
		if !errors.As(err, &newer) {
			t.Fatalf("Migrate = %v, want a NewerSchemaError naming %s", err, next)
		}
		if !strings.Contains(err.Error(), "newer kasuhara") || !strings.Contains(err.Error(), next) {
			t.Fatalf("the message does not say what is wrong: %v", err)
		}
	})
}

// A migration that a newer release renamed or replaced at a known version
// is not this binary's either.
func TestMigrateRefusesUnknownMigrationName(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	testdb.Exec(t, db, "UPDATE schema_migrations SET name = '0001_other.sql' WHERE version = 1")
	var newer *sqldb.NewerSchemaError
	if _, err := db.Migrate(context.Background()); !errors.As(err, &newer) {
		t.Fatalf("Migrate = %v, want a NewerSchemaError", err)
	}
}
