package store_test

import (
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

func TestReferralsAndSpecialists(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, _ := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "殴られた", "physical_attack"))
		desk1, legal := d.people["desk1"], d.people["legal"]
		_, err := d.s.AddReferral(ctx, desk1, c.ID, kasuhara.Referral{Kind: "army"})
		wantField(t, err, "kind")
		wantField(t, err, "organisation")
		r, err := d.s.AddReferral(ctx, desk1, c.ID, kasuhara.Referral{Kind: "police", Organisation: "新宿警察署", Reference: "受理第123号", ReferredAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddReferral(ctx, d.people["shopboss"], c.ID, kasuhara.Referral{Kind: "police", Organisation: "x"}); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Fatalf("supervisor refers: %v", err)
		}
		if _, err := d.s.Referrals(ctx, d.people["clerk2"], c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("another employee lists referrals: %v", err)
		}
		if err := d.s.SetReferralOutcome(ctx, legal, c.ID, r.ID, "被害届を受理"); err != nil {
			t.Fatal(err)
		}
		rs, _ := d.s.Referrals(ctx, legal, c.ID)
		if len(rs) != 1 || rs[0].Outcome != "被害届を受理" || rs[0].Reference != "受理第123号" {
			t.Fatalf("referrals = %+v", rs)
		}
		tl, _ := d.s.Timeline(ctx, desk1, c.ID)
		if tl[len(tl)-1].Kind != kasuhara.EventReferral {
			t.Fatal("the referral is not in the timeline")
		}
		wantCode(t, d.s.RecordPackage(ctx, d.people["shopboss"], c.ID, "x", ""), kasuhara.EFORBIDDEN)
		if err := d.s.RecordPackage(ctx, desk1, c.ID, "新宿警察署", ""); err != nil {
			t.Fatal(err)
		}
		// The directory: legal edits, the desk reads, others do not.
		_, err = d.s.AddSpecialist(ctx, desk1, kasuhara.Specialist{Kind: "police", Name: "新宿警察署"})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		sp, err := d.s.AddSpecialist(ctx, legal, kasuhara.Specialist{Kind: "lawyer", Name: "桜法律事務所", Contact: "03-1111-2222"})
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := d.s.Specialists(ctx, desk1); len(list) != 1 {
			t.Fatal("the desk does not see the directory")
		}
		if _, err := d.s.Specialists(ctx, d.people["clerk"]); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Fatal("an employee reads the directory")
		}
		if err := d.s.DeleteSpecialist(ctx, legal, sp.ID); err != nil {
			t.Fatal(err)
		}
	})
}
