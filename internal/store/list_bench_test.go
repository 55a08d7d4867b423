package store_test

import (
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// BenchmarkCasesPage is the desk's first page of 50 cases and a filtered
// page (in progress, violence and abuse) on each engine, each read whole
// (the API's list) and as a summary (the desk's queue), over the demo
// group with KASUHARA_BENCH_CASES generated cases (50,000 unless set) in the
// retailer, as Store.Cases answers them (the audit write of the list
// included). Seeding takes ~20 s on SQLite and ~40 s on PostgreSQL:
//
//	go test ./internal/store -run X -bench CasesPage -benchtime 2000x -count 5
func BenchmarkCasesPage(b *testing.B) {
	benchDemo(b, func(e sqldb.Engine, db *sqldb.DB, st *store.Store, n int, desk kasuhara.Actor) {
		for _, p := range []struct {
			name string
			f    kasuhara.CaseFilter
		}{
			{"first", kasuhara.CaseFilter{Limit: 50}},
			{"filtered", kasuhara.CaseFilter{Limit: 50, State: kasuhara.StateInProgress, Category: kasuhara.CatViolenceAbuse}},
		} {
			// Each page as the API reads it (every column) and as the
			// desk's queue does (a summary, without the narratives),
			// one after the other on the same data.
			for _, summary := range []bool{false, true} {
				f, name := p.f, "full"
				if f.Summary = summary; summary {
					name = "summary"
				}
				b.Run(string(e)+"/"+p.name+"/"+name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						cs, _, err := st.Cases(ctx, desk, f)
						if err != nil {
							b.Fatal(err)
						}
						if len(cs) != 50 {
							b.Fatalf("%d cases on the page, want 50", len(cs))
						}
					}
				})
			}
		}
	})
}

// benchDemo calls f on each engine the tests run on (PostgreSQL when
// KASUHARA_TEST_POSTGRES is set) with a store holding the demo group and
// KASUHARA_BENCH_CASES generated cases (50,000 unless set) in the retailer,
// their number, and the retailer's desk.
func benchDemo(b *testing.B, f func(e sqldb.Engine, db *sqldb.DB, st *store.Store, n int, desk kasuhara.Actor)) {
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
		f(e, db, st, n, demoDesk(b, st, "demo-retail"))
	}
}
