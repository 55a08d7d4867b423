package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// find returns the first element of xs that match accepts; there must be
// one (what names it).
func find[T any](t *testing.T, xs []T, what string, match func(T) bool) T {
	t.Helper()
	i := slices.IndexFunc(xs, match)
	if i < 0 {
		t.Fatalf("no %s in %+v", what, xs)
	}
	return xs[i]
}

func cell(t *testing.T, os kasuhara.OrgStats, key string) kasuhara.StatCell {
	t.Helper()
	return find(t, os.Groups, "group "+key, func(c kasuhara.StatCell) bool { return c.Key == key })
}

// TestStatsOnAKnownDataset files cases at known times, moves them at known
// times, and checks every figure; then rebuilds the statistics from the
// cases and expects the same figures.
func TestStatsOnAKnownDataset(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC) // 10:00 in Japan
		d.s.Now = func() time.Time { return now }
		desk := d.people["desk1"]
		file := func(who, channel string, dep string, subtypes ...string) *kasuhara.Case {
			t.Helper()
			r := report(dep, "x", subtypes...)
			r.Channel, r.OccurredAt = channel, now.Add(-time.Hour)
			c := d.file(t, d.people[who], r)
			return c
		}
		ack := func(c *kasuhara.Case, after time.Duration) {
			t.Helper()
			saved := now
			now = c.CreatedAt.Add(after)
			if _, err := d.s.Transition(ctx, desk, c.ID, kasuhara.StateAcknowledged, ""); err != nil {
				t.Fatal(err)
			}
			now = saved
		}
		// April: five from the shop, in person; four insults, one threat.
		var april []*kasuhara.Case
		for i := range 5 {
			st := "insult"
			if i == 4 {
				st = "threat"
			}
			april = append(april, file("clerk", "in_person", d.shop.ID, st))
		}
		ack(april[0], 30*time.Minute)
		ack(april[1], 90*time.Minute)
		ack(april[2], 3*time.Hour+5*time.Minute)
		// May: four from the call centre by phone, two without a department.
		now = time.Date(2026, 5, 20, 1, 0, 0, 0, time.UTC)
		for range 4 {
			file("operator", "phone", d.call.ID, "long_contact")
		}
		var nodept []*kasuhara.Case
		for range 2 {
			nodept = append(nodept, file("desk2", "email", "", "money_demand"))
		}
		// A verdict and a care action that happened.
		c := april[0]
		if _, err := d.s.Assign(ctx, desk, c.ID, desk.UserID, d.people["legal"].UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Assess(ctx, desk, c.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"insult"},
			EnvironmentImpaired: true, EnvironmentHow: "x", Verdict: "harassment", Rationale: "x"}); err != nil {
			t.Fatal(err)
		}
		care, _ := d.s.AddCare(ctx, desk, c.ID, kasuhara.CareAction{Kind: "counselling"})
		d.s.AddCare(ctx, desk, c.ID, kasuhara.CareAction{Kind: "rest"})
		d.s.SetCareDone(ctx, desk, c.ID, care.ID, true)
		d.s.SetCareDone(ctx, desk, c.ID, care.ID, true) // twice counts once

		orgs := []string{d.org.ID}
		q := func(from, to, by string) kasuhara.OrgStats {
			t.Helper()
			st, err := d.s.Stats(ctx, kasuhara.CLIActor, orgs, kasuhara.StatsQuery{From: from, To: to, GroupBy: by})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Orgs) != 1 || st.Sum != nil {
				t.Fatalf("one organisation asked, got %d and sum %v", len(st.Orgs), st.Sum)
			}
			return st.Orgs[0]
		}
		all := q("2026-01", "2026-12", "department")
		if all.Total.Count != 11 || all.Total.Suppressed {
			t.Fatalf("total %+v, want 11", all.Total)
		}
		// Departments: shop 5, call 4, none 2 → none is hidden, and so is
		// the call centre, or none could be worked out as 11 - 5 - 4.
		if got := cell(t, all, d.shop.ID); got.Count != 5 || got.Suppressed {
			t.Errorf("shop %+v", got)
		}
		if got := cell(t, all, ""); got.Count != 2 || !got.Suppressed || got.Shown() != "<3" {
			t.Errorf("no department %+v", got)
		}
		if got := cell(t, all, d.call.ID); got.Suppressed || !got.Withheld || got.Shown() != "*" {
			t.Errorf("the call centre is shown, so the hidden group can be subtracted: %+v", got)
		}
		if got := q("2026-04", "2026-04", "subtype"); cell(t, got, "insult").Count != 4 || !cell(t, got, "threat").Suppressed || got.Total.Count != 5 {
			t.Errorf("April by subtype: %+v", got)
		}
		// Categories are many per case: no complementary hiding.
		cats := q("2026-01", "2026-12", "category")
		if got := cell(t, cats, "violence_abuse"); got.Count != 5 || got.Suppressed {
			t.Errorf("violence_abuse %+v", got)
		}
		months := q("2026-01", "2026-12", "month")
		if len(months.Groups) != 12 || months.Groups[3].Key != "2026-04" || months.Groups[3].Count != 5 || months.Groups[4].Count != 6 || months.Groups[0].Count != 0 {
			t.Errorf("by month %+v", months.Groups)
		}
		states := q("2026-01", "2026-12", "state")
		if cell(t, states, "acknowledged").Count != 3 || cell(t, states, "new").Count != 8 {
			t.Errorf("by state %+v", states.Groups)
		}
		if got := cell(t, q("2026-01", "2026-12", "verdict"), ""); got.Count != 10 {
			t.Errorf("unassessed %+v", got)
		}
		if got := cell(t, q("2026-01", "2026-12", "channel"), "phone"); got.Count != 4 {
			t.Errorf("phone %+v", got)
		}
		// Time to acknowledge: 30, 90 and 185 minutes (bucket 180).
		// (Computed, but with 3 cases not shown: fewer than MinDurations.)
		if all.Ack.Count != 3 || all.Ack.Median != 90 || all.Ack.P90 != 180 || !all.Ack.Suppressed || all.Ack.OnTime != 3 {
			t.Errorf("time to acknowledge %+v", all.Ack)
		}
		if all.Resolve.Count != 0 {
			t.Errorf("time to resolve %+v", all.Resolve)
		}
		// A range without the acknowledged cases.
		if may := q("2026-05", "2026-05", "state"); may.Total.Count != 6 || may.Ack.Count != 0 {
			t.Errorf("May %+v", may)
		}
		// The dashboard.
		dash, err := d.s.Dashboard(ctx, kasuhara.CLIActor, orgs, kasuhara.StatsQuery{From: "2026-01", To: "2026-12", GroupBy: "month"})
		if err != nil {
			t.Fatal(err)
		}
		// Care is counted, and one person's care is never shown as a number.
		if c := dash.CareOffered["counselling"]; c.Count != 1 || c.Shown() != "<3" {
			t.Errorf("care offered %+v", c)
		}
		if c := dash.CareDone["counselling"]; c.Count != 1 || !c.Hidden() {
			t.Errorf("care done %+v", c)
		}
		if c := dash.CareDone["rest"]; c.Count != 0 {
			t.Errorf("rest done %+v", c)
		}
		if dash.OpenCases.Count != 11 || dash.OpenCases.Shown() != "11" {
			t.Errorf("open %+v", dash.OpenCases)
		}
		// Statistics rebuilt from the cases are the same.
		before := []kasuhara.OrgStats{all, cats, months, states}
		if err := d.s.RebuildStats(ctx); err != nil {
			t.Fatal(err)
		}
		after := []kasuhara.OrgStats{q("2026-01", "2026-12", "department"), q("2026-01", "2026-12", "category"), q("2026-01", "2026-12", "month"), q("2026-01", "2026-12", "state")}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("maintained and rebuilt statistics differ:\n%+v\n%+v", before, after)
		}
		_, err = d.s.Stats(ctx, kasuhara.CLIActor, orgs, kasuhara.StatsQuery{From: "2026-13", To: "2026-01", GroupBy: "colour"})
		wantField(t, err, "from")
		wantField(t, err, "group_by")
		_ = nodept
	})
}

func TestStatsGroupRollUp(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		sub, err := d.s.CreateOrg(ctx, d.actor, kasuhara.NewOrg{Slug: "acme-retail", Name: "Acme Retail", ParentSlug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := d.s.CreateUser(ctx, d.actor, kasuhara.NewUser{Email: "r@example.jp", Name: "r", Password: "long-enough-pw", OrgID: sub.ID, Role: kasuhara.RoleEmployee})
		subClerk := kasuhara.Actor{UserID: u.ID, OrgID: sub.ID, Role: kasuhara.RoleEmployee}
		for range 4 {
			d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		}
		d.s.FileReport(ctx, subClerk, report("", "x", "insult"))
		d.s.FileReport(ctx, d.people["otherdesk"], report("", "x", "insult"))
		month := kasuhara.StatMonth(time.Now())
		st, err := d.s.Stats(ctx, kasuhara.CLIActor, []string{d.org.ID, sub.ID}, kasuhara.StatsQuery{From: month, To: month, GroupBy: "subtype"})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Orgs) != 2 || st.Sum == nil || st.Orgs[0].Total.Count != 4 || st.Orgs[1].Total.Count != 1 || !st.Orgs[1].Total.Suppressed {
			t.Fatalf("side by side: %+v", st.Orgs)
		}
		if st.Sum.Total.Count != 5 || cell(t, *st.Sum, "insult").Count != 5 {
			t.Fatalf("summed: %+v (the unrelated organisation's case must not count)", st.Sum)
		}
		// The sum minus the parent would give the subsidiary's single case:
		// the sum's total and its insult line are withheld.
		if !st.Sum.Total.Hidden() || !cell(t, *st.Sum, "insult").Hidden() {
			t.Fatalf("the sum gives the subsidiary away: %+v", st.Sum)
		}
		// The subsidiary alone sees only itself.
		st, _ = d.s.Stats(ctx, kasuhara.CLIActor, []string{sub.ID}, kasuhara.StatsQuery{From: month, To: month, GroupBy: "subtype"})
		if len(st.Orgs) != 1 || st.Sum != nil || st.Orgs[0].Total.Count != 1 {
			t.Fatalf("subsidiary alone: %+v", st)
		}
	})
}
