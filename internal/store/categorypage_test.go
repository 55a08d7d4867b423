package store_test

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// categoryFilters are the desk's pages of a category: with a state (the
// load tool's filtered page), alone, with the open cases, oldest first.
var categoryFilters = []kasuhara.CaseFilter{
	{State: kasuhara.StateInProgress, Category: kasuhara.CatViolenceAbuse},
	{Category: kasuhara.CatViolenceAbuse},
	{Open: true, Category: kasuhara.CatUnreasonableDemand},
	{State: kasuhara.StateClosed, Category: kasuhara.CatTimePlaceConstraint, Sort: "oldest"},
}

// TestCategoryPagePlan: the desk's page of a category reads the
// category's rows of the organisation (case_categories_org_state, or
// case_categories_org_created with the state in the index) and finds each
// one's case by its id, on both engines, for an organisation the planner's
// statistics know and for one that grew after them. Before (issue 21), it
// walked the organisation's cases of the state and looked each one's
// categories up: about three in-progress cases read for each one shown,
// and for a category alone every case of the organisation until the page
// was full.
func TestCategoryPagePlan(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		st := grownAfterStatistics(t, db)
		for _, slug := range []string{"demo-retail", "demo-call"} {
			desk := demoDesk(t, st, slug)
			for _, f := range categoryFilters {
				f.Limit, f.Summary = 20, true
				for page := 1; page <= 2; page++ {
					query, args, err := st.PageQuery(desk, f)
					if err != nil {
						t.Fatal(err)
					}
					name := slug + " " + string(f.Category) + " " + string(f.State)
					switch db.Engine {
					case sqldb.SQLite:
						plan := explain(t, db, query, args)
						index := "case_categories_org_created"
						if f.State != "" {
							index = "case_categories_org_state"
						}
						first, _, _ := strings.Cut(strings.TrimSpace(plan), "\n")
						if !strings.Contains(first, "SEARCH cc USING COVERING INDEX "+index) {
							t.Errorf("%s: the page is not driven by %s:\n%s", name, index, plan)
						}
						if !strings.Contains(plan, "SEARCH c USING INDEX sqlite_autoindex_cases_1 (id=?)") {
							t.Errorf("%s: the category's rows do not find their case by id:\n%s", name, plan)
						}
						if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "cases_org_") {
							t.Errorf("%s: the page walks or sorts the organisation's cases:\n%s", name, plan)
						}
					case sqldb.Postgres:
						// Every case read is one the page shows (and the one
						// after it, which says there is a next page).
						rows, plan := casesExamined(t, db, query, args)
						if rows > f.Limit+1 || strings.Contains(plan, `"Index Name": "cases_org_`) {
							t.Errorf("%s: the page read %d cases for %d shown:\n%s", name, rows, f.Limit, plan)
						}
						if !strings.Contains(plan, `"Index Name": "case_categories_org_`) {
							t.Errorf("%s: the page is not driven by the category's rows:\n%s", name, plan)
						}
					}
					list, next, err := st.Cases(ctx, desk, f)
					if err != nil {
						t.Fatal(err)
					}
					if slug == "demo-retail" && page == 1 && (len(list) != f.Limit || next == "") {
						t.Fatalf("%s: %d cases and next %q, want a full page and another", name, len(list), next)
					}
					if next == "" {
						break
					}
					f.Cursor = next
				}
			}
		}
	})
}

// TestCategoryPageSameCases: the page of a category shows the cases the
// organisation's list without the category shows of that category, in
// the same order, page after page, for every viewer: the desk, a desk
// member excluded from one case, a supervisor limited to a department, an
// employee (their own cases), and the desk of another organisation, who
// sees none of these. The states were moved after filing, so that a
// category's row must follow its case's state.
func TestCategoryPageSameCases(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		st := newStore(t, db)
		if err := demo.Seed(ctx, st, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := demo.Grow(ctx, st, "demo-retail", 600, 7, io.Discard); err != nil {
			t.Fatal(err)
		}
		desk := demoActor(t, st, "demo-retail", "desk@demo.example")
		desk2 := demoActor(t, st, "demo-retail", "desk2@demo.example")
		legal := demoActor(t, st, "demo-retail", "legal@demo.example")
		// Cases of a category moved on: new → acknowledged → in progress,
		// in progress → resolved, closed → in progress (reopened).
		all := pageAll(t, st, desk, kasuhara.CaseFilter{Category: kasuhara.CatViolenceAbuse})
		moved := map[kasuhara.CaseState]int{}
		for _, c := range all {
			var err error
			switch {
			case c.State == kasuhara.StateNew && moved[c.State] < 3:
				if _, err = st.Transition(ctx, desk, c.ID, kasuhara.StateAcknowledged, ""); err == nil {
					if _, err = st.Assign(ctx, desk, c.ID, desk.UserID, desk2.UserID); err == nil {
						_, err = st.Transition(ctx, desk, c.ID, kasuhara.StateInProgress, "")
					}
				}
			case c.State == kasuhara.StateInProgress && moved[c.State] < 3:
				_, err = st.Transition(ctx, desk, c.ID, kasuhara.StateResolved, "")
			case c.State == kasuhara.StateClosed && moved[c.State] < 3:
				if _, err = st.Assign(ctx, desk, c.ID, desk.UserID, desk2.UserID); err == nil {
					_, err = st.Transition(ctx, desk, c.ID, kasuhara.StateInProgress, "")
				}
			default:
				continue
			}
			if err != nil {
				t.Fatalf("move %s from %s: %v", c.Ref, c.State, err)
			}
			moved[c.State]++
		}
		if len(moved) != 3 {
			t.Fatalf("moved %v, want cases from three states", moved)
		}
		// desk2 is excluded from the newest in-progress case of the category.
		inProgress := pageAll(t, st, desk, categoryFilters[0])
		if len(inProgress) == 0 {
			t.Fatal("no case of the category in progress")
		}
		if _, err := st.Exclude(ctx, legal, inProgress[0].ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		viewers := map[string]kasuhara.Actor{
			"desk":       desk,
			"excluded":   desk2,
			"supervisor": demoActor(t, st, "demo-retail", "boss@demo.example"),
			"employee":   demoActor(t, st, "demo-retail", "clerk@demo.example"),
			"other desk": demoDesk(t, st, "demo-call"),
		}
		if viewers["supervisor"].DepartmentID == "" {
			t.Fatal("the demo's supervisor has no department")
		}
		for name, v := range viewers {
			for _, f := range categoryFilters {
				got := pageAll(t, st, v, f)
				without := f
				without.Category = ""
				var want []string
				for _, c := range pages(t, st, v, without, store.MaxPageSize) {
					if slices.Contains(c.Report.Categories, f.Category) {
						want = append(want, c.ID)
					}
				}
				ids := make([]string, len(got))
				for i, c := range got {
					ids[i] = c.ID
					if c.OrgID != v.OrgID {
						t.Fatalf("%s: a case of another organisation: %s", name, c.Ref)
					}
				}
				if !slices.Equal(ids, want) {
					t.Errorf("%s %+v: %d cases %v, want %d %v", name, f, len(ids), ids, len(want), want)
				}
				if name == "desk" && len(ids) == 0 {
					t.Errorf("desk %+v: no case", f)
				}
				if name == "other desk" && len(ids) != 0 {
					t.Errorf("the other organisation's desk sees %d cases of %+v", len(ids), f)
				}
				if name == "excluded" && f == categoryFilters[0] && slices.Contains(ids, inProgress[0].ID) {
					t.Errorf("the excluded desk member sees %s", inProgress[0].Ref)
				}
			}
		}
	})
}

// pageAll is every case of f for v, seven to a page: many cursors.
func pageAll(t *testing.T, st *store.Store, v kasuhara.Actor, f kasuhara.CaseFilter) []kasuhara.Case {
	return pages(t, st, v, f, 7)
}

// pages is every case of f for v, limit to a page.
func pages(t *testing.T, st *store.Store, v kasuhara.Actor, f kasuhara.CaseFilter, limit int) []kasuhara.Case {
	t.Helper()
	f.Limit, f.Summary, f.Cursor = limit, true, ""
	var out []kasuhara.Case
	for {
		list, next, err := st.Cases(ctx, v, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, list...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

// demoActor is the member email of the demo organisation slug, as an actor.
func demoActor(t *testing.T, st *store.Store, slug, email string) kasuhara.Actor {
	t.Helper()
	return demoMember(t, st, slug, func(m kasuhara.Member) bool { return m.Email == email })
}

// TestCategoryRowsMigrated: migration 0054 gives every category row of an
// existing case its case's organisation, state and filing time, and the
// state follows the case after it (the trigger), on both engines.
func TestCategoryRowsMigrated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, e sqldb.Engine) {
		db := testdb.OpenEmpty(t, e)
		if _, err := db.MigrateTo(ctx, 53); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		for _, org := range []string{"org-a", "org-b"} {
			testdb.Exec(t, db, "INSERT INTO orgs (id, slug, name, created_at) VALUES ($1, $2, $3, $4)", org, org, org, now)
		}
		cases := []struct {
			id, org, state string
			created        time.Time
			cats           []string
		}{
			{"c1", "org-a", "in_progress", now.Add(-3 * time.Hour), []string{"violence_abuse", "unreasonable_demand"}},
			{"c2", "org-a", "closed", now.Add(-2 * time.Hour), []string{"violence_abuse"}},
			{"c3", "org-b", "new", now.Add(-time.Hour), []string{"online_defamation"}},
		}
		for _, c := range cases {
			testdb.Exec(t, db, `INSERT INTO cases (id, org_id, ref, state, occurred_at, channel, conduct, acknowledge_by, feedback_by, created_at, updated_at)
				VALUES ($1, $2, $1, $3, $4, 'phone', 'x', $4, $4, $4, $4)`, c.id, c.org, c.state, c.created)
			for _, cat := range c.cats {
				testdb.Exec(t, db, "INSERT INTO case_categories (case_id, category) VALUES ($1, $2)", c.id, cat)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		testdb.Exec(t, db, "UPDATE cases SET state = 'resolved' WHERE id = 'c1'")
		testdb.Exec(t, db, "UPDATE cases SET verdict = 'harassment' WHERE id = 'c2'")
		want := map[string]string{"c1": "resolved", "c2": "closed", "c3": "new"}
		n := 0
		for _, c := range cases {
			for _, cat := range c.cats {
				var org, state string
				var sameTime bool
				if err := db.Read.QueryRowContext(ctx, `SELECT cc.org_id, cc.state, cc.created_at = c.created_at FROM case_categories cc
					JOIN cases c ON c.id = cc.case_id WHERE cc.case_id = $1 AND cc.category = $2`, c.id, cat).Scan(&org, &state, &sameTime); err != nil {
					t.Fatalf("%s %s: %v", c.id, cat, err)
				}
				if org != c.org || state != want[c.id] || !sameTime {
					t.Errorf("%s %s: organisation %s, state %s, same filing time %v; want %s, %s, true", c.id, cat, org, state, sameTime, c.org, want[c.id])
				}
				n++
			}
		}
		var total int
		if err := db.Read.QueryRowContext(ctx, "SELECT count(*) FROM case_categories").Scan(&total); err != nil || total != n {
			t.Errorf("%d category rows after the migration (%v), want %d", total, err, n)
		}
	})
}
