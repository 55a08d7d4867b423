// Package testdb gives each test a fresh, migrated database on each engine:
// SQLite in the test's temporary directory, and PostgreSQL as a throwaway
// database on the server named by KASUHARA_TEST_POSTGRES (default: the local
// server at 127.0.0.1:5432 as user postgres).
//
// When PostgreSQL does not answer, its tests are skipped — unless
// KASUHARA_REQUIRE_POSTGRES=1 (set by .ci/run), which makes them fail.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// DefaultPostgres is the server tried when KASUHARA_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engines lists the engines every storage test runs on.
var Engines = []sqldb.Engine{sqldb.SQLite, sqldb.Postgres}

// Each runs fn as a subtest per engine, named after it.
func Each(t *testing.T, fn func(t *testing.T, e sqldb.Engine)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// Run runs fn as a subtest per engine, each with a fresh migrated database.
func Run(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	Each(t, func(t *testing.T, e sqldb.Engine) { fn(t, Open(t, e)) })
}

// RunWith is Run on databases opened with o (several committers on
// PostgreSQL).
func RunWith(t *testing.T, o sqldb.Options, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	Each(t, func(t *testing.T, e sqldb.Engine) { fn(t, OpenWith(t, e, o)) })
}

// Open returns a fresh migrated database of engine e, closed and dropped
// when the test ends.
func Open(t testing.TB, e sqldb.Engine) *sqldb.DB {
	t.Helper()
	return OpenWith(t, e, sqldb.Options{})
}

// OpenWith is Open with the options o.
func OpenWith(t testing.TB, e sqldb.Engine, o sqldb.Options) *sqldb.DB {
	t.Helper()
	db := openEmpty(t, e, o)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return db
}

// OpenEmpty returns a fresh database of engine e without migrating it.
func OpenEmpty(t testing.TB, e sqldb.Engine) *sqldb.DB {
	t.Helper()
	return openEmpty(t, e, sqldb.Options{})
}

func openEmpty(t testing.TB, e sqldb.Engine, o sqldb.Options) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	switch e {
	case sqldb.SQLite:
		db, err := sqldb.OpenWith(ctx, "", t.TempDir(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	case sqldb.Postgres:
		dsn := NewPostgresDatabase(t)
		db, err := sqldb.OpenWith(ctx, dsn, "", o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Fatalf("unknown engine %q", e)
	return nil
}

// Reopenable returns a function that opens (and migrates) one fresh
// database of engine e, the same one at every call, as a second process or
// a restarted server would: another pool on one PostgreSQL database, or
// another handle on one SQLite file. Each handle is closed, and the
// database dropped, when the test ends.
func Reopenable(t testing.TB, e sqldb.Engine) func() *sqldb.DB {
	t.Helper()
	dsn, dir := "", ""
	if e == sqldb.Postgres {
		dsn = NewPostgresDatabase(t)
	} else {
		dir = t.TempDir()
	}
	return func() *sqldb.DB {
		t.Helper()
		db, err := sqldb.Open(context.Background(), dsn, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return db
	}
}

var (
	probeOnce sync.Once
	probeErr  error
)

// PostgresURL returns the admin URL of the test server, skipping (or failing,
// when required) the test when it does not answer.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("KASUHARA_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgres
	}
	probeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			probeErr = err
			return
		}
		conn.Close(ctx)
	})
	if probeErr != nil {
		if os.Getenv("KASUHARA_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (KASUHARA_REQUIRE_POSTGRES=1) but does not answer: %v", probeErr)
		}
		t.Skipf("PostgreSQL not available (%v); set KASUHARA_TEST_POSTGRES", probeErr)
	}
	return admin
}

// NewPostgresDatabase creates an empty database on the test server, dropped
// when the test ends, and returns its URL.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := PostgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	name := "kasuhara_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs statements directly on db, bypassing the stores: tests use it to
// tamper with data the way someone with database access could.
func Exec(t testing.TB, db *sqldb.DB, query string, args ...any) sql.Result {
	t.Helper()
	var res sql.Result
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		res, err = tx.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("exec %s: %v", strings.Fields(query)[0], err)
	}
	return res
}

// Strings reads the first column of each row of query as text, NULL as "":
// tests use it to look at what the database holds (hashes, audit actions,
// payloads).
func Strings(t testing.TB, db *sqldb.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Read.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// DisableAuditTriggers drops the guards on audit_entries and audit_head, as
// an attacker with database access could, so that tests can tamper with them.
func DisableAuditTriggers(t testing.TB, db *sqldb.DB) {
	t.Helper()
	switch db.Engine {
	case sqldb.SQLite:
		for _, tr := range []string{"audit_entries_no_update", "audit_entries_no_delete", "audit_head_no_delete", "audit_head_forward"} {
			Exec(t, db, "DROP TRIGGER "+tr)
		}
	case sqldb.Postgres:
		Exec(t, db, "DROP TRIGGER audit_entries_append_only ON audit_entries")
		Exec(t, db, "DROP TRIGGER audit_entries_no_truncate ON audit_entries")
		Exec(t, db, "DROP TRIGGER audit_head_guard ON audit_head")
		Exec(t, db, "DROP TRIGGER audit_head_no_truncate ON audit_head")
	default:
		panic(fmt.Sprint("unknown engine ", db.Engine))
	}
}
