package store_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestSupervisionOverHierarchy: the supervisor of an area works the cases
// of the stores below it as the store's supervisor does (list, home
// counts, search, case page, notes); a store's supervisor does not see a
// sibling store's cases nor the area's own; nobody sees a case of another
// branch, or one the reporter keeps from the supervisor; a store moved out
// of the area leaves its supervisor's view.
func TestSupervisionOverHierarchy(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		mk := func(name, parent string) *kasuhara.Department { return d.department(t, name, parent) }
		kanto := mk("関東エリア", "")
		ikebukuro := mk("池袋店", kanto.ID)
		if err := d.s.SetDepartmentParent(ctx, d.actor, d.org.ID, d.shop.ID, kanto.ID); err != nil {
			t.Fatal(err)
		}
		supervisor := func(key, dep string) kasuhara.Actor {
			t.Helper()
			u, err := d.s.CreateUser(ctx, d.actor, kasuhara.NewUser{Email: key + "@example.jp", Name: key, Password: "long-enough-pw",
				OrgID: d.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: dep})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: dep}); err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: dep}
		}
		areaBoss, ikeBoss := supervisor("areaboss", kanto.ID), supervisor("ikeboss", ikebukuro.ID)
		file := func(reporter, dep, conduct string) *kasuhara.Case {
			t.Helper()
			c, err := d.s.FileReport(ctx, d.people[reporter], report(dep, conduct, "shouting"))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		shop := file("clerk", d.shop.ID, "新宿店で大声で怒鳴った")
		ike := file("clerk2", ikebukuro.ID, "池袋店で大声で怒鳴った")
		area := file("clerk", kanto.ID, "エリア会議で大声で怒鳴った")
		call := file("operator", d.call.ID, "電話で大声で怒鳴った")
		hidden := file("clerk2", d.shop.ID, "内緒の相談で怒鳴った")
		if err := d.s.SetConfidential(ctx, d.people["clerk2"], hidden.ID, true); err != nil {
			t.Fatal(err)
		}
		listed := func(v kasuhara.Actor, f kasuhara.CaseFilter) []string {
			t.Helper()
			cs, _, err := d.s.Cases(ctx, v, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				if len(c.DepartmentPath) == 0 || c.DepartmentPath[0] != c.Report.DepartmentID {
					t.Errorf("listed %s: department path %v", c.Ref, c.DepartmentPath)
				}
				out = append(out, c.Ref)
			}
			slices.Sort(out)
			return out
		}
		sorted := func(cs ...*kasuhara.Case) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.Ref)
			}
			slices.Sort(out)
			return out
		}
		for _, tc := range []struct {
			name     string
			v        kasuhara.Actor
			see      []*kasuhara.Case
			notSeen  []*kasuhara.Case
			wantOpen int
		}{
			{"area", areaBoss, []*kasuhara.Case{shop, ike, area}, []*kasuhara.Case{call, hidden}, 3},
			{"store", d.people["shopboss"], []*kasuhara.Case{shop}, []*kasuhara.Case{ike, area, call, hidden}, 1},
			{"sibling store", ikeBoss, []*kasuhara.Case{ike}, []*kasuhara.Case{shop, area, call, hidden}, 1},
			{"other branch", d.people["callboss"], []*kasuhara.Case{call}, []*kasuhara.Case{shop, ike, area, hidden}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got, want := listed(tc.v, kasuhara.CaseFilter{}), sorted(tc.see...); !slices.Equal(got, want) {
					t.Errorf("queue = %v, want %v", got, want)
				}
				if got, want := listed(tc.v, kasuhara.CaseFilter{Query: "怒鳴"}), sorted(tc.see...); !slices.Equal(got, want) {
					t.Errorf("search = %v, want %v", got, want)
				}
				n, err := d.s.CaseCounts(ctx, tc.v)
				if err != nil {
					t.Fatal(err)
				}
				if n.Open != tc.wantOpen || n.New != tc.wantOpen {
					t.Errorf("home counts open %d, new %d, want %d", n.Open, n.New, tc.wantOpen)
				}
				for _, c := range tc.see {
					got, err := d.s.CaseByID(ctx, tc.v, c.ID)
					if err != nil {
						t.Fatalf("case %s: %v", c.Ref, err)
					}
					if _, err := d.s.AddNote(ctx, tc.v, c.ID, kasuhara.EventNote, "店長に確認した"); err != nil {
						t.Errorf("note on %s: %v", c.Ref, err)
					}
					if len(got.DepartmentPath) == 0 || got.DepartmentPath[0] != c.Report.DepartmentID {
						t.Errorf("case %s: department path %v", c.Ref, got.DepartmentPath)
					}
				}
				for _, c := range tc.notSeen {
					if _, err := d.s.CaseByID(ctx, tc.v, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
						t.Errorf("case %s is there for them: %v", c.Ref, err)
					}
					if _, err := d.s.AddNote(ctx, tc.v, c.ID, kasuhara.EventNote, "x"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
						t.Errorf("note on %s: %v", c.Ref, err)
					}
				}
			})
		}
		// The care record stays the reporter's to share, with the area too.
		if _, err := d.s.Messages(ctx, areaBoss, shop.ID); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("the area's supervisor read the messages without the reporter's consent: %v", err)
		}
		// 新宿店 leaves the area: its cases leave the area's supervisor.
		if err := d.s.SetDepartmentParent(ctx, d.actor, d.org.ID, d.shop.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, want := listed(areaBoss, kasuhara.CaseFilter{}), sorted(ike, area); !slices.Equal(got, want) {
			t.Errorf("after the move: queue = %v, want %v", got, want)
		}
		if _, err := d.s.CaseByID(ctx, areaBoss, shop.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("after the move: the area's supervisor opened 新宿店's case: %v", err)
		}
	})
}

// TestEscalationUpTheHierarchy: an overdue case of a store without a
// supervisor escalates to its area's supervisor, not to legal; one of a
// store with its own supervisor to that one only.
func TestEscalationUpTheHierarchy(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		area, err := d.s.CreateDepartment(ctx, d.actor, d.org.ID, "関東エリア")
		if err != nil {
			t.Fatal(err)
		}
		lone, err := d.s.CreateDepartment(ctx, d.actor, d.org.ID, "池袋店")
		if err != nil {
			t.Fatal(err)
		}
		for _, dep := range []string{lone.ID, d.shop.ID} {
			if err := d.s.SetDepartmentParent(ctx, d.actor, d.org.ID, dep, area.ID); err != nil {
				t.Fatal(err)
			}
		}
		u, err := d.s.CreateUser(ctx, d.actor, kasuhara.NewUser{Email: "area@example.jp", Name: "area", Password: "long-enough-pw",
			OrgID: d.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: area.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleSupervisor, DepartmentID: area.ID}); err != nil {
			t.Fatal(err)
		}
		unread := func(id string) int {
			t.Helper()
			fanOut(t, d.db, d.s)
			n, _ := d.s.UnreadCount(ctx, id)
			return n
		}
		escalate := func(c *kasuhara.Case) {
			t.Helper()
			p, _ := json.Marshal(map[string]string{"case_id": c.ID, "clock": "acknowledge", "stage": "escalate"})
			if err := d.s.ClockHandler(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		c := d.file(t, d.people["clerk"], report(lone.ID, "x", "insult"))
		areaBefore, legalBefore := unread(u.ID), unread(d.people["legal"].UserID)
		escalate(c)
		if unread(u.ID) != areaBefore+1 || unread(d.people["legal"].UserID) != legalBefore {
			t.Errorf("a store without a supervisor did not escalate to its area's: area %d→%d, legal %d→%d", areaBefore, unread(u.ID), legalBefore, unread(d.people["legal"].UserID))
		}
		c = d.file(t, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		areaBefore, bossBefore := unread(u.ID), unread(d.people["shopboss"].UserID)
		escalate(c)
		if unread(d.people["shopboss"].UserID) != bossBefore+1 || unread(u.ID) != areaBefore {
			t.Error("a store with its own supervisor escalated past them")
		}
	})
}
