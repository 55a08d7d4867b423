package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestDemoSeedsAndGenerates seeds the demo group and adds generated cases
// on both engines: the cases are searchable, counted in the statistics,
// spread over states, and the audit chain verifies.
func TestDemoSeedsAndGenerates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		st := store.New(db)
		st.Params = credential.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
		var out bytes.Buffer
		if err := Seed(ctx, st, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "desk@demo.example") {
			t.Fatalf("no passwords printed:\n%s", out.String())
		}
		if err := Seed(ctx, st, &out); err != nil || !strings.Contains(out.String(), "exists already") {
			t.Fatalf("seeding twice: %v", err)
		}
		if err := Cases(ctx, st, "demo-retail", 3000, 7, &out); err != nil {
			t.Fatal(err)
		}
		org, _ := st.OrgBySlug(ctx, "demo-retail")
		var n int
		db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases WHERE org_id = $1", org.ID).Scan(&n)
		if n != 3000+30 {
			t.Fatalf("%d cases", n)
		}
		stats, err := st.Stats(ctx, kasuhara.CLIActor, []string{org.ID}, kasuhara.StatsQuery{From: "2020-01", To: "2030-12", GroupBy: "state"})
		if err != nil || stats.Orgs[0].Total.Count != n {
			t.Fatalf("statistics count %d of %d cases: %v", stats.Orgs[0].Total.Count, n, err)
		}
		for _, s := range kasuhara.CaseStates {
			found := false
			for _, g := range stats.Orgs[0].Groups {
				found = found || (g.Key == string(s) && g.Count > 10)
			}
			if !found {
				t.Errorf("few or no generated cases in state %s: %+v", s, stats.Orgs[0].Groups)
			}
		}
		desk := kasuhara.Actor{OrgID: org.ID, Role: kasuhara.RoleDesk}
		ms, _ := st.Members(ctx, org.ID)
		for _, m := range ms {
			if m.Role == kasuhara.RoleDesk {
				desk.UserID = m.User.ID
			}
		}
		for _, q := range []string{"土下座", "manager"} {
			list, _, err := st.Cases(ctx, desk, kasuhara.CaseFilter{Query: q, Limit: 10})
			if err != nil || len(list) == 0 {
				t.Errorf("search %q finds nothing: %v", q, err)
			}
			// The generated cases were filed in the order of their dates,
			// as in a real system: a search's page is newest first.
			for i := 1; i < len(list); i++ {
				if list[i].CreatedAt.After(list[i-1].CreatedAt) {
					t.Errorf("search %q: %s after %s", q, list[i].CreatedAt, list[i-1].CreatedAt)
				}
			}
		}
		if _, problem, err := st.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit: %v %+v", err, problem)
		}
	})
}

func BenchmarkBulkCases(b *testing.B) {
	db := testdb.Open(b, sqldb.SQLite)
	ctx := context.Background()
	st := store.New(db)
	st.Params = credential.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	if err := Seed(ctx, st, &bytes.Buffer{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := Cases(ctx, st, "demo-retail", b.N, 7, &bytes.Buffer{}); err != nil {
		b.Fatal(err)
	}
}
