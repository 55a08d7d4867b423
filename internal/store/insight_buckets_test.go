package store_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// oldBucketKeys are the lower bounds of the duration buckets before
// migration 0052, up to twelve years: a minute wide below 2 hours, 10
// minutes below 2 days, an hour below 30 days, a day beyond.
func oldBucketKeys() []int {
	const day = 24 * 60
	var keys []int
	for m := 0; m <= 12*365*day; {
		keys = append(keys, m)
		switch {
		case m < 120:
			m++
		case m < 2*day:
			m += 10
		case m < 30*day:
			m += 60
		default:
			m += day
		}
	}
	return keys
}

type statCounter struct {
	org, month, dim, key string
	n                    int
}

// insertCounters writes counters into table as a release before migration
// 0052 did, 400 to a statement.
func insertCounters(t *testing.T, db *sqldb.DB, table string, cs []statCounter) {
	t.Helper()
	for len(cs) > 0 {
		k := min(400, len(cs))
		var vals []string
		var args []any
		for _, c := range cs[:k] {
			n := len(args)
			vals = append(vals, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5))
			args = append(args, c.org, c.month, c.dim, c.key, c.n)
		}
		testdb.Exec(t, db, "INSERT INTO "+table+" (org_id, month, dim, key, n) VALUES "+strings.Join(vals, ", "), args...)
		cs = cs[k:]
	}
}

func readCounters(t *testing.T, db *sqldb.DB, table string) map[[4]string]int {
	t.Helper()
	rows, err := db.Read.QueryContext(ctx, "SELECT org_id, month, dim, key, n FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[[4]string]int{}
	for rows.Next() {
		var k [4]string
		var n int
		if err := rows.Scan(&k[0], &k[1], &k[2], &k[3], &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDurationBucketsMigrated writes the counters of a database before
// migration 0052 (every old duration bucket of twelve years, both
// durations, two organisations, two months, and the purged cases'
// counters), migrates, and checks that every count is kept: the old
// bucket's count is in the new bucket that kasuhara.DurationBucket gives
// its lower bound, the totals are equal, no count is left in an old bucket
// that is not a new one, and the other counters are untouched. Then the
// store counts on, on the migrated table.
func TestDurationBucketsMigrated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.OpenEmpty(t, e)
		if _, err := db.MigrateTo(ctx, 51); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"org-a", "org-b"} {
			testdb.Exec(t, db, "INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)", id, id, id, time.Now().UTC())
		}
		keys := oldBucketKeys()
		var old, purged []statCounter
		for _, org := range []string{"org-a", "org-b"} {
			for mi, month := range []string{"2024-03", "2026-11"} {
				for di, dim := range []string{kasuhara.DimAckMinutes, kasuhara.DimResolveMin} {
					for i, k := range keys {
						n := 1 + (i*7+mi*3+di)%11 // a different count in every old bucket
						old = append(old, statCounter{org, month, dim, strconv.Itoa(k), n})
						if i%5 == mi {
							purged = append(purged, statCounter{org, month, dim, strconv.Itoa(k), n % 3})
						}
					}
				}
				others := []statCounter{{org, month, kasuhara.DimAll, "", 5000}, {org, month, kasuhara.DimAckOnTime, "true", 4000},
					{org, month, "category", "violence_abuse", 1200}, {org, month, kasuhara.DimCareOffered, "counselling", 3}}
				old = append(old, others...)
				purged = append(purged, others[0])
			}
		}
		insertCounters(t, db, "case_stats", old)
		insertCounters(t, db, "case_stats_purged", purged)

		applied, err := db.Migrate(ctx)
		if err != nil || !slices.Contains(applied, 52) {
			t.Fatalf("Migrate applied %v, %v; want 52 among them", applied, err)
		}
		for _, tc := range []struct {
			table string
			old   []statCounter
		}{{"case_stats", old}, {"case_stats_purged", purged}} {
			want := map[[4]string]int{}
			var wantTotal, gotTotal int
			for _, c := range tc.old {
				key := c.key
				if c.dim == kasuhara.DimAckMinutes || c.dim == kasuhara.DimResolveMin {
					m, _ := strconv.Atoi(c.key)
					key = strconv.Itoa(kasuhara.DurationBucket(time.Duration(m) * time.Minute))
				}
				want[[4]string{c.org, c.month, c.dim, key}] += c.n
				wantTotal += c.n
			}
			maps.DeleteFunc(want, func(_ [4]string, n int) bool { return n == 0 })
			got := readCounters(t, db, tc.table)
			for _, n := range got {
				gotTotal += n
			}
			if gotTotal != wantTotal {
				t.Errorf("%s: %d counted in all after the migration, %d before", tc.table, gotTotal, wantTotal)
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%s %v = %d after the migration, want %d", tc.table, k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s %v = %d after the migration: not a counter it should have", tc.table, k, n)
				}
			}
			if len(got) >= len(tc.old) {
				t.Errorf("%s holds %d counters after the migration, %d before: not fewer", tc.table, len(got), len(tc.old))
			}
		}

		// The store counts on the migrated table: the statistics read it,
		// and a case adds to the counters there.
		st := store.New(db)
		st.Params = fastParams
		stats, err := st.Stats(ctx, kasuhara.CLIActor, []string{"org-a"}, kasuhara.StatsQuery{From: "2024-01", To: "2026-12", GroupBy: "month"})
		if err != nil {
			t.Fatal(err)
		}
		a := stats.Orgs[0]
		var wantAck int
		for _, c := range old {
			if c.org == "org-a" && c.dim == kasuhara.DimAckMinutes {
				wantAck += c.n
			}
		}
		if a.Total.Count != 10000 || a.Ack.Count != wantAck || a.Ack.OnTime != 8000 {
			t.Errorf("migrated figures: total %d, acknowledged %d (%d on time); want 10000, %d (8000)", a.Total.Count, a.Ack.Count, a.Ack.OnTime, wantAck)
		}
		if g := a.Groups[slices.IndexFunc(a.Groups, func(c kasuhara.StatCell) bool { return c.Key == "2026-11" })]; g.Count != 5000 {
			t.Errorf("2026-11 counts %d cases, want 5000", g.Count)
		}
	})
}

// logMinutes is a duration from lo to hi minutes, as many in each
// doubling, and some seconds.
func logMinutes(r *rand.Rand, lo, hi float64) time.Duration {
	m := math.Exp(math.Log(lo+1)+r.Float64()*(math.Log(hi+1)-math.Log(lo+1))) - 1
	return time.Duration(m*float64(time.Minute)) + time.Duration(r.IntN(60))*time.Second
}

// nearestRank is DurationsOf's percentile of exact minutes: the smallest
// value that q of them reach.
func nearestRank(minutes []int, q float64) int {
	need := max(1, int(q*float64(len(minutes))+0.999999))
	return minutes[need-1]
}

// checkFigure fails unless shown, a median or percentile of the
// statistics, is the bucket of exact, the same figure of the cases
// themselves, and within the stated precision below it.
func checkFigure(t *testing.T, what string, shown, exact int) {
	t.Helper()
	if shown != kasuhara.DurationBucket(time.Duration(exact)*time.Minute) || shown > exact {
		t.Errorf("%s: shown %d, the cases' own %d (bucket %d)", what, shown, exact, kasuhara.DurationBucket(time.Duration(exact)*time.Minute))
		return
	}
	switch {
	case exact < 40 && shown != exact:
		t.Errorf("%s: shown %d, the cases' own %d: not the exact minute", what, shown, exact)
	case shown >= 120 && shown < 200 && exact-shown >= 10:
		t.Errorf("%s: shown %d, the cases' own %d: more than 10 minutes apart", what, shown, exact)
	case (shown < 120 || shown >= 200) && float64(exact-shown) > kasuhara.DurationPrecision*float64(shown):
		t.Errorf("%s: shown %d, the cases' own %d: more than %.0f %% apart", what, shown, exact, 100*kasuhara.DurationPrecision)
	}
}

// TestDurationFiguresAgreeWithTheCases generates 1,500 cases over three
// years whose times to acknowledge (a minute to 20 days) and to resolve (a
// minute to 300 days) are spread evenly over every doubling, so that every
// width of bucket is met, and checks the figures people read in the
// statistics against the same figures computed from the cases themselves:
// how many, how many on time (exactly), and the median and 90th
// percentile (the bucket of the cases' own, and within the precision
// docs/insight.md states), for the three years, each quarter and each
// month, for the organisation and for one department (whose figures are
// counted from the cases). Fewer than ten times show no figure.
func TestDurationFiguresAgreeWithTheCases(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Now()
		g := demo.NewGenerator(demo.Org{ID: d.org.ID, Departments: []string{d.shop.ID, d.call.ID}}, now, 21, 0)
		g.Total = 1500
		cs, err := g.Batch(g.Total, func(year, k int) (int, error) { return d.s.NextCaseNumbers(ctx, d.org.ID, year, k) })
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(21, 12))
		for i := range cs {
			c := &cs[i].Case
			if c.AcknowledgedAt.IsZero() {
				continue
			}
			c.AcknowledgedAt = c.CreatedAt.Add(logMinutes(r, 0, 20*24*60))
			if !c.ResolvedAt.IsZero() {
				c.ResolvedAt = c.AcknowledgedAt.Add(logMinutes(r, 1, 300*24*60))
				c.ClosedAt = time.Time{}
				if c.State == kasuhara.StateClosed {
					c.ClosedAt = c.ResolvedAt.Add(time.Hour)
				}
			}
			c.UpdatedAt = c.CreatedAt
			for _, at := range []time.Time{c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt} {
				if at.After(c.UpdatedAt) {
					c.UpdatedAt = at
				}
			}
		}
		if err := d.s.BulkCases(ctx, kasuhara.CLIActor, d.org.ID, cs); err != nil {
			t.Fatal(err)
		}

		// The cases' own figures for the months from..to, of a department
		// or ("") all.
		type own struct {
			ack, resolve         []int
			ackOnTime, resOnTime int
		}
		ownFigures := func(from, to, dept string) own {
			var o own
			for _, b := range cs {
				c := b.Case
				if m := kasuhara.StatMonth(c.CreatedAt); m < from || m > to || (dept != "" && c.Report.DepartmentID != dept) {
					continue
				}
				if !c.AcknowledgedAt.IsZero() {
					o.ack = append(o.ack, int(c.AcknowledgedAt.Sub(c.CreatedAt)/time.Minute))
					if !c.AcknowledgedAt.After(c.AcknowledgeBy) {
						o.ackOnTime++
					}
				}
				if !c.ResolvedAt.IsZero() {
					o.resolve = append(o.resolve, int(c.ResolvedAt.Sub(c.CreatedAt)/time.Minute))
					if !c.ResolvedAt.After(c.FeedbackBy) {
						o.resOnTime++
					}
				}
			}
			slices.Sort(o.ack)
			slices.Sort(o.resolve)
			return o
		}
		check := func(what string, got kasuhara.Durations, minutes []int, onTime int) {
			t.Helper()
			if got.Count != len(minutes) || got.OnTime != onTime {
				t.Errorf("%s: %d cases, %d on time; the cases: %d, %d", what, got.Count, got.OnTime, len(minutes), onTime)
				return
			}
			if len(minutes) == 0 {
				return
			}
			if want := len(minutes) < kasuhara.MinDurations; got.Suppressed != want {
				t.Errorf("%s: %d cases, suppressed %v", what, len(minutes), got.Suppressed)
			}
			checkFigure(t, what+" median", got.Median, nearestRank(minutes, 0.5))
			checkFigure(t, what+" 90th percentile", got.P90, nearestRank(minutes, 0.9))
		}
		type period struct{ from, to string }
		periods := []period{{kasuhara.StatMonth(now.AddDate(-3, 0, 0)), kasuhara.StatMonth(now)}}
		for m := now.AddDate(-3, 0, 0); !m.After(now); m = m.AddDate(0, 1, 0) {
			periods = append(periods, period{kasuhara.StatMonth(m), kasuhara.StatMonth(m)})
			if m.Month()%3 == 1 {
				periods = append(periods, period{kasuhara.StatMonth(m), kasuhara.StatMonth(m.AddDate(0, 2, 0))})
			}
		}
		seen := map[bool]bool{} // periods with and without enough cases
		for _, p := range periods {
			for _, dept := range []string{"", d.shop.ID} {
				st, err := d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, kasuhara.StatsQuery{From: p.from, To: p.to, GroupBy: "month", Department: dept})
				if err != nil {
					t.Fatal(err)
				}
				o, what := ownFigures(p.from, p.to, dept), fmt.Sprintf("%s–%s department %q", p.from, p.to, dept)
				got := st.Orgs[0]
				if got.Ack.Withheld {
					continue // the department is hidden with its time figures
				}
				check(what+" to acknowledge", got.Ack, o.ack, o.ackOnTime)
				check(what+" to resolve", got.Resolve, o.resolve, o.resOnTime)
				seen[len(o.resolve) >= kasuhara.MinDurations] = true
			}
		}
		if !seen[true] || !seen[false] {
			t.Fatalf("periods with ten times or more: %v; want some of each", seen)
		}
	})
}
