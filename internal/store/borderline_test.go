package store_test

import (
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestBorderline (issue 22): by the organisation's thresholds, a contact
// over the limit, a customer back three times within the window and a
// demand judged without grounds before are signs for the desk; the
// reporter and the supervisor do not read them.
func TestBorderline(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, clerk := d.people["desk1"], d.people["clerk"]
		kinds := func(c *kasuhara.Case) []string {
			t.Helper()
			sig, err := d.s.Borderline(ctx, desk1, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range sig {
				out = append(out, s.Kind)
			}
			return out
		}
		short := report(d.shop.ID, "「責任者を出せ」と言われた", "insult")
		short.DurationMinutes = 10
		first := d.file(t, clerk, short)
		if got := kinds(first); len(got) != 0 {
			t.Errorf("a first short contact shows %v", got)
		}
		// The desk judges the first request without grounds.
		if _, err := d.s.Assess(ctx, desk1, first.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate",
			MannerReasons: []string{"threat"}, Verdict: "harassment", Rationale: "根拠のない返金の要求"}); err != nil {
			t.Fatal(err)
		}
		second := d.file(t, clerk, report(d.shop.ID, "また同じ返金を45分求められた", "insult")) // 45 minutes, the limit is 30
		got := kinds(second)
		if !slices.Contains(got, kasuhara.BorderlineLongContact) || !slices.Contains(got, kasuhara.BorderlineRefusedDemand) ||
			slices.Contains(got, kasuhara.BorderlineRepeatCustomer) {
			t.Errorf("the second case shows %v, want a long contact and a refused demand, not yet a repeat", got)
		}
		sig, _ := d.s.Borderline(ctx, desk1, second.ID)
		for _, s := range sig {
			if s.Kind == kasuhara.BorderlineRefusedDemand && s.Ref != first.Ref {
				t.Errorf("the refused demand names %q, want %s", s.Ref, first.Ref)
			}
			if s.Kind == kasuhara.BorderlineLongContact && (s.N != 45 || s.Of != 30) {
				t.Errorf("the long contact says %d of %d minutes", s.N, s.Of)
			}
		}
		third := d.file(t, clerk, short)
		if got := kinds(third); !slices.Contains(got, kasuhara.BorderlineRepeatCustomer) {
			t.Errorf("the third case of the customer within 90 days shows %v, want a repeat", got)
		}
		for _, who := range []string{"clerk", "shopboss", "analyst", "admin2"} {
			if _, err := d.s.Borderline(ctx, d.people[who], second.ID); err == nil {
				t.Errorf("%s reads the signs", who)
			}
		}
	})
}
