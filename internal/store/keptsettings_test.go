package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestKeptSettingsFollowChanges: a report's clocks and an anonymous
// report's channel come from the settings the store keeps (issue 21), and
// a change of them is never missed, neither one made by the same store nor
// one made by another server on the same database (a second store here,
// whose change the first is not told of: the case's INSERT finds the
// settings' version moved on, and the report is filed again with them read
// anew). A report that found its settings stale leaves nothing behind: as
// many cases as reports, and a chain and record states that verify.
func TestKeptSettingsFollowChanges(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		d := setupDesk(t, db)
		// One moment for every report (after the report's occurred_at).
		at := time.Now().Add(time.Minute)
		now := func() time.Time { return at }
		d.s.Now = now
		other := newStore(t, db) // another server on the same database
		other.Now = now
		clerk := d.people["clerk"]
		r := report(d.shop.ID, "大声で怒鳴られた", "shouting")
		filed := 0
		// want is the clock a store that keeps nothing gives a report now.
		want := func() time.Time {
			t.Helper()
			fresh := newStore(t, db)
			fresh.Now = now
			c, err := fresh.FileReport(ctx, clerk, r)
			if err != nil {
				t.Fatal(err)
			}
			filed++
			return c.AcknowledgeBy
		}
		// check files a report with d.s and compares its clock, as
		// answered and as stored, with want's.
		check := func(what string) time.Time {
			t.Helper()
			c, err := d.s.FileReport(ctx, clerk, r)
			if err != nil {
				t.Fatal(err)
			}
			filed++
			stored, err := d.s.CaseByID(ctx, d.people["desk1"], c.ID)
			if err != nil {
				t.Fatal(err)
			}
			w := want()
			if !c.AcknowledgeBy.Equal(w) || !stored.AcknowledgeBy.Equal(w) {
				t.Errorf("%s: the report's clock runs out at %v (stored %v); want %v", what, c.AcknowledgeBy, stored.AcknowledgeBy, w)
			}
			return w
		}
		settings := func(ack string) kasuhara.OrgSettings {
			return kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: ack, Feedback: "14d", PublicHolidays: true, ContactLimitMinutes: 30}
		}
		save := func(s *store.Store, ack string) {
			t.Helper()
			if err := s.SaveSettings(ctx, d.actor, settings(ack)); err != nil {
				t.Fatal(err)
			}
		}
		first := check("no settings saved")
		save(d.s, "2d")
		second := check("settings saved by the same store")
		save(other, "5d")
		third := check("settings saved by another server")
		if first.Equal(second) || second.Equal(third) {
			t.Fatalf("the settings gave the clocks %v, %v, %v; the test needs three", first, second, third)
		}
		// A change of other settings of the row (sign-in) costs a second
		// attempt and changes no clock.
		if err := other.SaveSignInSettings(ctx, d.actor, d.org.ID, kasuhara.DefaultSignInSettings()); err != nil {
			t.Fatal(err)
		}
		if got := check("sign-in settings saved by another server"); !got.Equal(third) {
			t.Errorf("the sign-in settings moved the clock from %v to %v", third, got)
		}

		// The anonymous channel, switched off by another server, refuses the
		// next anonymous report of a store that kept it on.
		if _, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名で報告します", "shouting")); err != nil {
			t.Fatal(err)
		}
		filed++
		if err := other.SetAnonymousChannel(ctx, d.actor, d.org.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名で報告します", "shouting")); !errors.Is(err, kasuhara.ErrAnonymousOff) {
			t.Errorf("an anonymous report after the channel was switched off elsewhere: %v", err)
		}
		if err := other.SetAnonymousChannel(ctx, d.actor, d.org.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.s.FileAnonymousReport(ctx, "acme", report("", "匿名で報告します", "shouting")); err != nil {
			t.Errorf("an anonymous report after the channel was switched on again elsewhere: %v", err)
		}
		filed++

		if got := testdb.Strings(t, db, "SELECT id FROM cases WHERE org_id = $1", d.org.ID); len(got) != filed {
			t.Errorf("%d cases for %d reports", len(got), filed)
		}
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Errorf("audit chain: %+v, %v", problem, err)
		}
		if rc, err := d.s.VerifyRecords(ctx); err != nil || len(rc.Problems) != 0 {
			t.Errorf("record states: %+v, %v", rc, err)
		}
	})
}
