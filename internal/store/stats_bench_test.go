package store_test

import (
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// BenchmarkStats is issue 21's statistics request, three years by month
// (GET /api/v1/stats?group_by=month), as Store.Stats answers it on each
// engine, over the demo group with KASUHARA_BENCH_CASES generated cases
// (50,000 unless set) in the retailer; counters reports how many counters
// the three years hold:
//
//	go test ./internal/store -run X -bench Stats -benchtime 200x -benchmem -count 5
func BenchmarkStats(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("KASUHARA_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		if e == sqldb.Postgres && os.Getenv("KASUHARA_TEST_POSTGRES") == "" {
			continue
		}
		db := testdb.Open(b, e)
		st := store.New(db)
		st.Params = fastParams
		if err := demo.Seed(ctx, st, io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := demo.Cases(ctx, st, "demo-retail", n, 7, io.Discard); err != nil {
			b.Fatal(err)
		}
		desk := demoDesk(b, st, "demo-retail")
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
	}
}
