package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// TestExclusionNeedsASecondPerson is issue 16's finding 4: one desk member
// could exclude every other handler. An exclusion proposed by a desk member
// waits for a second handler or legal; the last legal member cannot be
// excluded; legal is told.
func TestExclusionNeedsASecondPerson(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, desk2, legal := d.people["desk1"], d.people["desk2"], d.people["legal"]
		u, err := d.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk3@example.jp", Name: "desk3", Password: "long-enough-pw", OrgID: d.org.ID, Role: kasuhara.RoleDesk})
		if err != nil {
			t.Fatal(err)
		}
		desk3 := kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleDesk}
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "土下座しろと言われた", "insult"))
		sees := func(who kasuhara.Actor) bool {
			t.Helper()
			_, err := d.s.CaseByID(ctx, who, c.ID)
			if err != nil && kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Fatal(err)
			}
			return err == nil
		}
		exclude := func(by kasuhara.Actor, who string, wantPending bool) {
			t.Helper()
			pending, err := d.s.Exclude(ctx, by, c.ID, who)
			if err != nil || pending != wantPending {
				t.Fatalf("Exclude = %v, %v; want pending %v", pending, err, wantPending)
			}
		}
		// desk1 alone excludes no one: each proposal waits, and proposing
		// it again changes nothing.
		for _, who := range []kasuhara.Actor{desk2, desk3, desk2} {
			exclude(desk1, who.UserID, true)
			if !sees(who) {
				t.Fatal("one desk member alone excluded another")
			}
		}
		// The person proposed cannot confirm it; the only legal member
		// cannot be excluded, by anyone.
		_, err = d.s.Exclude(ctx, desk2, c.ID, desk2.UserID)
		wantField(t, err, "user")
		_, err = d.s.Exclude(ctx, desk1, c.ID, legal.UserID)
		wantField(t, err, "user")
		// Legal was told of the proposals (once the queue has fanned them out).
		fanOut(t, d.db, d.s)
		ns, _ := d.s.Notifications(ctx, legal.UserID, 10)
		if len(ns) == 0 || ns[0].Type != notify.CaseExclusion {
			t.Fatalf("legal's notifications: %+v", ns)
		}
		// A second handler confirms desk3's exclusion, legal desk2's.
		exclude(desk2, desk3.UserID, false)
		exclude(legal, desk2.UserID, false)
		if sees(desk2) || sees(desk3) || !sees(desk1) || !sees(legal) {
			t.Fatal("the confirmed exclusions did not take effect")
		}
		// Legal excludes at once; still not the last legal member.
		u, err = d.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@example.jp", Name: "legal2", Password: "long-enough-pw", OrgID: d.org.ID, Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatal(err)
		}
		legal2 := kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleLegal}
		exclude(legal2, legal.UserID, false)
		_, err = d.s.Exclude(ctx, desk1, c.ID, legal2.UserID)
		wantField(t, err, "user")
		// The trail has each proposal and exclusion with its proposer.
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Limit: 100})
		counts := map[string]int{}
		for _, e := range es {
			counts[e.Action]++
		}
		if counts["case.exclude_proposed"] != 2 || counts["case.exclude"] != 3 {
			t.Fatalf("audit: %v", counts)
		}
	})
}
