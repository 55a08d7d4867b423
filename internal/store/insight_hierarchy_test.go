package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestStatsOverHierarchy: 本社 → 関東エリア (新宿店 5 in person, 池袋店 2 by
// phone) and 関西エリア (梅田店 4 by phone). A department's figures take the
// departments below it; by department they roll up to a level (an area =
// the sum of its stores); the small store is "<3" in every view, and
// nothing shown gives it away by subtraction: not 関東's 7 minus 新宿店,
// not the organisation's phone cases minus 関西's.
func TestStatsOverHierarchy(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		mk := func(name, parent string) string { return d.department(t, name, parent).ID }
		hq := mk("本社", "")
		kanto, kansai := mk("関東エリア", hq), mk("関西エリア", hq)
		if err := d.s.SetDepartmentParent(ctx, d.actor, d.org.ID, d.shop.ID, kanto); err != nil {
			t.Fatal(err)
		}
		ikebukuro, umeda := mk("池袋店", kanto), mk("梅田店", kansai)
		file := func(n int, dep, channel string) {
			for range n {
				r := report(dep, "x", "insult")
				r.Channel = channel
				d.file(t, d.people["clerk"], r)
			}
		}
		file(5, d.shop.ID, "in_person")
		file(2, ikebukuro, "phone")
		file(4, umeda, "phone")
		month := kasuhara.StatMonth(time.Now())
		stats := func(q kasuhara.StatsQuery) kasuhara.OrgStats {
			t.Helper()
			q.From, q.To = month, month
			st, err := d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Orgs) != 1 {
				t.Fatalf("%+v: %d organisations", q, len(st.Orgs))
			}
			return st.Orgs[0]
		}
		shown := func(c kasuhara.StatCell) string { return c.Shown() }

		// Each department on its own: 池袋店 is "<3", and 新宿店 is
		// withheld, or 関東 (7, shown below) minus 新宿店 gives 池袋店.
		stores := stats(kasuhara.StatsQuery{GroupBy: "department"})
		if got := shown(cell(t, stores, ikebukuro)); got != "<3" {
			t.Errorf("池袋店 = %s", got)
		}
		if got := shown(cell(t, stores, d.shop.ID)); got != "*" {
			t.Errorf("新宿店 = %s: 関東 − 新宿店 = 池袋店", got)
		}
		if got := shown(cell(t, stores, umeda)); got != "4" {
			t.Errorf("梅田店 = %s", got)
		}
		// Rolled up to the areas (level 2): 関東 = 新宿店 + 池袋店.
		areas := stats(kasuhara.StatsQuery{GroupBy: "department", Level: 2})
		if got := cell(t, areas, kanto); got.Count != 7 || got.Hidden() {
			t.Errorf("関東エリア %+v, want 7 shown", got)
		}
		if got := cell(t, areas, kansai); got.Count != 4 || got.Hidden() {
			t.Errorf("関西エリア %+v, want 4 shown", got)
		}
		for _, g := range areas.Groups {
			if g.Key == d.shop.ID || g.Key == ikebukuro || g.Key == umeda {
				t.Errorf("a store in the areas' view: %+v", g)
			}
		}
		if top := stats(kasuhara.StatsQuery{GroupBy: "department", Level: 1}); cell(t, top, hq).Count != 11 || areas.Total.Count != 11 {
			t.Errorf("head office %+v, total %+v", top.Groups, areas.Total)
		}
		// Filtered by an area: its stores, and the same hiding.
		k := stats(kasuhara.StatsQuery{GroupBy: "department", Department: kanto})
		if k.Total.Count != 7 || k.Total.Hidden() || shown(cell(t, k, ikebukuro)) != "<3" || shown(cell(t, k, d.shop.ID)) != "*" {
			t.Errorf("関東 by store: total %+v, groups %+v", k.Total, k.Groups)
		}
		for _, g := range k.Groups {
			if g.Key == umeda {
				t.Errorf("関東 lists 梅田店")
			}
		}
		// Filtered by an area, by another group: its stores' cases only.
		kc := stats(kasuhara.StatsQuery{GroupBy: "channel", Department: kanto})
		if kc.Total.Count != 7 || cell(t, kc, "in_person").Count != 5 || shown(cell(t, kc, "phone")) != "<3" || !cell(t, kc, "in_person").Hidden() {
			t.Errorf("関東 by channel: total %+v, groups %+v", kc.Total, kc.Groups)
		}
		// 関西's 4 phone cases, next to the organisation's 6: 6 − 4 would
		// give 関東's 2, so 関西's are withheld.
		kn := stats(kasuhara.StatsQuery{GroupBy: "channel", Department: kansai})
		if got := cell(t, kn, "phone"); got.Count != 4 || !got.Withheld {
			t.Errorf("関西 phone %+v: the organisation's phone cases minus it give 関東's", got)
		}
		if kn.Total.Count != 4 || kn.Total.Hidden() {
			t.Errorf("関西 total %+v", kn.Total)
		}
		// The head office takes everything below it.
		if h := stats(kasuhara.StatsQuery{GroupBy: "month", Department: hq}); h.Total.Count != 11 {
			t.Errorf("本社 total %+v", h.Total)
		}
		// The small store alone shows nothing.
		ike := stats(kasuhara.StatsQuery{GroupBy: "channel", Department: ikebukuro})
		if !ike.Total.Hidden() || !cell(t, ike, "phone").Hidden() {
			t.Errorf("池袋店 alone: total %+v, groups %+v", ike.Total, ike.Groups)
		}
		// 新宿店 alone is withheld in the hierarchy: so is all of it.
		shop := stats(kasuhara.StatsQuery{GroupBy: "channel", Department: d.shop.ID})
		if !shop.Total.Hidden() || !cell(t, shop, "in_person").Hidden() || !shop.Ack.Withheld {
			t.Errorf("新宿店 alone: total %+v, groups %+v", shop.Total, shop.Groups)
		}
		// Mistakes name their field.
		_, err := d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, kasuhara.StatsQuery{From: month, To: month, GroupBy: "channel", Department: "nope"})
		wantField(t, err, "department")
		otherDep, err := d.s.CreateDepartment(ctx, kasuhara.CLIActor, d.other.ID, "他社の店")
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, kasuhara.StatsQuery{From: month, To: month, GroupBy: "channel", Department: otherDep.ID})
		wantField(t, err, "department")
		_, err = d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID}, kasuhara.StatsQuery{From: month, To: month, GroupBy: "department", Level: 9})
		wantField(t, err, "level")
	})
}
