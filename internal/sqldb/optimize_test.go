package sqldb

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestOptimizeAnalyzesStaleTables: a table that was never analyzed gets
// the planner's statistics from the periodic optimize, and again at Close.
func TestOptimizeAnalyzesStaleTables(t *testing.T) {
	old := OptimizeInterval
	OptimizeInterval = 50 * time.Millisecond
	t.Cleanup(func() { OptimizeInterval = old })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE things (id INTEGER PRIMARY KEY, org TEXT)"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "CREATE INDEX things_org ON things (org)"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO things (org) SELECT 'o' || (i % 3) FROM n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	analyzed := func(db *DB) bool {
		var n int
		err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'things'").Scan(&n)
		return err == nil && n > 0
	}
	deadline := time.Now().Add(10 * time.Second)
	for !analyzed(db) {
		if time.Now().After(deadline) {
			t.Fatal("the periodic optimize never analyzed the table")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close (with its last optimize): %v", err)
	}
}
