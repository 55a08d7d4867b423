package store_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestDailyJobsRunOnceAcrossServers (issue 24): two servers start at the
// same moment on one database, each scheduling the daily jobs (the
// catch-up run at the start and the next day's) and each running a queue.
// Every daily job (training reminders, check-ins, cooperation reminders,
// the retention purge, the audit anchor) runs once, not once per server,
// and each leaves exactly one run for the next day: the dedupe key of a
// day makes the schedules one, and the claim (FOR UPDATE SKIP LOCKED on
// PostgreSQL) gives each run to one server; the claim's lock is the lease
// that another server takes over when its holder dies
// (jobs.TestJobOfDeadWorkerIsRetried).
func TestDailyJobsRunOnceAcrossServers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db1, db2 := openTwice(t, e)
		ctx := context.Background()
		var mu sync.Mutex
		runs := map[string]int{}
		daily := []string{store.KindTrainingReminders, store.KindCheckins, store.KindCooperation, store.KindRetention, store.KindAuditAnchor}
		done := make(chan struct{})
		var queues []*jobs.Queue
		var starts sync.WaitGroup
		for _, db := range []*sqldb.DB{db1, db2} {
			st := store.New(db)
			count := func(kind string, h jobs.Handler) jobs.Handler {
				return func(ctx context.Context, p json.RawMessage) error {
					if err := h(ctx, p); err != nil {
						return err
					}
					mu.Lock()
					defer mu.Unlock()
					runs[kind]++
					if len(runs) == len(daily) && runs[kind] == 1 {
						close(done)
					}
					return nil
				}
			}
			queues = append(queues, jobs.New(db, map[string]jobs.Handler{
				store.KindTrainingReminders: count(store.KindTrainingReminders, st.TrainingRemindersHandler),
				store.KindCheckins:          count(store.KindCheckins, st.CheckinsHandler),
				store.KindCooperation:       count(store.KindCooperation, st.CooperationHandler),
				store.KindRetention:         count(store.KindRetention, st.RetentionHandler(func(string) error { return nil })),
				store.KindAuditAnchor: count(store.KindAuditAnchor, st.AuditAnchorHandler(func(context.Context, int64, string, time.Time) error {
					return nil
				})),
			}, jobs.Options{Workers: 3, PollInterval: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
			starts.Go(func() {
				now := time.Now()
				for _, err := range []error{
					st.ScheduleTrainingReminders(ctx, now, true), st.ScheduleCheckins(ctx, now, true),
					st.ScheduleCooperation(ctx, now, true), st.ScheduleRetention(ctx, now, true),
					st.ScheduleAuditAnchor(ctx, now, true), st.ScheduleDigest(ctx, now),
				} {
					if err != nil {
						t.Error(err)
					}
				}
			})
		}
		starts.Wait()
		qctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, q := range queues {
			wg.Go(func() { q.Run(qctx) })
		}
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("the daily jobs did not run in 20s")
		}
		// A second run, if any, would begin with a claim within a poll or
		// two: give both queues many.
		time.Sleep(300 * time.Millisecond)
		cancel()
		wg.Wait()
		for _, k := range daily {
			if runs[k] != 1 {
				t.Errorf("%s ran %d times on two servers, want once", k, runs[k])
			}
			var next int
			if err := db1.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'pending'", k).Scan(&next); err != nil || next != 1 {
				t.Errorf("%s: %d runs waiting for the next day (%v), want 1", k, next, err)
			}
		}
		var digests int
		if err := db2.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE kind = $1", store.KindDigest).Scan(&digests); err != nil || digests != 1 {
			t.Errorf("%d digest runs scheduled by two servers (%v), want 1", digests, err)
		}
	})
}
