package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// BenchmarkStats is issue 21's statistics request, three years by month
// (GET /api/v1/stats?group_by=month), as Store.Stats answers it on each
// engine, over the demo group with KASUHARA_BENCH_CASES generated cases
// (50,000 unless set) in the retailer; counters reports how many counters
// the three years hold:
//
//	go test ./internal/store -run X -bench Stats -benchtime 200x -benchmem -count 5
func BenchmarkStats(b *testing.B) {
	benchDemo(b, func(e sqldb.Engine, db *sqldb.DB, st *store.Store, n int, desk kasuhara.Actor) {
		now := time.Now()
		q := kasuhara.StatsQuery{From: kasuhara.StatMonth(now.AddDate(-3, 0, 0)), To: kasuhara.StatMonth(now), GroupBy: "month"}
		var counters int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM case_stats WHERE org_id = $1 AND month >= $2 AND month <= $3",
			desk.OrgID, q.From, q.To).Scan(&counters); err != nil {
			b.Fatal(err)
		}
		b.Run(string(e), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := st.Stats(ctx, desk, []string{desk.OrgID}, q)
				if err != nil {
					b.Fatal(err)
				}
				if s.Orgs[0].Total.Count < n {
					b.Fatalf("%d cases counted, want %d or more", s.Orgs[0].Total.Count, n)
				}
			}
			b.ReportMetric(float64(counters), "counters")
		})
	})
}
