package sqldb

import (
	"context"
	"log/slog"
	"time"
)

// OptimizeInterval is how often a SQLite database refreshes the planner's
// statistics of the tables whose statistics have gone stale (and once more
// at Close). PostgreSQL's autovacuum does the same (docs/performance.md).
var OptimizeInterval = time.Hour

// Optimize refreshes the planner's statistics where SQLite judges them
// stale (PRAGMA optimize over every table, each ANALYZE sampled so that it
// costs milliseconds at a million cases). Plans that matter do not depend
// on it (TestSearchPlanAfterGrowth); it keeps the rest close. On
// PostgreSQL it does nothing: autovacuum analyzes there.
func (db *DB) Optimize(ctx context.Context) error {
	if db.Engine != SQLite {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA analysis_limit = 1000"); err != nil {
		return err
	}
	_, err := db.write.ExecContext(ctx, "PRAGMA optimize = 0x10002")
	return err
}

// optimizeEvery runs Optimize every d until the returned stop is called.
func (db *DB) optimizeEvery(d time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
					slog.Warn("sqldb: optimize", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
