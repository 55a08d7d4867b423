package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func policyText(v string) kasuhara.PolicyText {
	return kasuhara.PolicyText{TitleJa: "基本方針 " + v, TitleEn: "Basic policy " + v, BodyJa: "## 方針\n当社は従業員を守ります。" + v, BodyEn: "## Policy\nWe protect our staff. " + v}
}

func TestPolicyVersionsAndAcknowledgements(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		admin := d.actor
		actorOf := func(key string) kasuhara.Actor {
			v := d.people[key]
			return kasuhara.Actor{UserID: v.UserID, OrgID: v.OrgID, Role: v.Role}
		}
		_, err := d.s.CreatePolicy(ctx, admin, "secret", false, kasuhara.PolicyText{})
		wantField(t, err, "kind")
		wantField(t, err, "title_ja")
		wantField(t, err, "body_ja")
		doc, err := d.s.CreatePolicy(ctx, admin, kasuhara.PolicyBasic, false, policyText("v1"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.s.CreatePolicy(ctx, admin, kasuhara.PolicyBasic, false, policyText("again"))
		wantCode(t, err, kasuhara.ECONFLICT)
		// A draft is nobody's to read or acknowledge.
		if _, err := d.s.PublicPolicy(ctx, d.org.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a draft is public: %v", err)
		}
		if _, err := d.s.Acknowledge(ctx, actorOf("clerk"), doc.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a draft acknowledged: %v", err)
		}
		// Another organisation's admin cannot touch it.
		otherAdmin := kasuhara.Actor{UserID: d.people["otherdesk"].UserID, OrgID: d.other.ID, Role: kasuhara.RoleAdmin}
		_, err = d.s.Publish(ctx, otherAdmin, doc.ID)
		wantCode(t, err, kasuhara.ENOTFOUND)
		v1, err := d.s.Publish(ctx, admin, doc.ID)
		if err != nil || v1.Number != 1 {
			t.Fatalf("publish: %v %+v", err, v1)
		}
		if _, err := d.s.Publish(ctx, admin, doc.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("publishing without a draft: %v", err)
		}
		pub, err := d.s.PublicPolicy(ctx, d.org.ID)
		if err != nil || pub.Current.BodyJa != policyText("v1").BodyJa {
			t.Fatalf("public policy: %v %+v", err, pub)
		}
		// The clerk acknowledges version 1; twice keeps the first.
		if _, err := d.s.Acknowledge(ctx, actorOf("clerk"), doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Acknowledge(ctx, actorOf("clerk"), doc.ID); err != nil {
			t.Fatal(err)
		}
		effective, _ := d.s.EffectivePolicies(ctx, d.org.ID, d.people["clerk"].UserID)
		if len(effective) != 1 || effective[0].AcknowledgedAt.IsZero() {
			t.Fatalf("clerk's view: %+v", effective)
		}
		reports, err := d.s.AckReports(ctx, kasuhara.CLIActor, d.org.ID)
		if err != nil || len(reports) != 1 {
			t.Fatalf("ack reports: %v %d", err, len(reports))
		}
		shop := findAckRow(t, reports[0], d.shop.ID)
		if shop.Members != 3 || shop.Acknowledged != 1 || len(shop.Pending) != 2 {
			t.Fatalf("shop row: %+v", shop)
		}
		for _, m := range shop.Pending {
			if m.User.ID == d.people["clerk"].UserID {
				t.Fatal("the clerk is listed as pending after acknowledging")
			}
		}
		// A new draft changes nothing for readers; publishing it asks again.
		if _, err := d.s.SaveDraft(ctx, admin, doc.ID, policyText("v2")); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.SaveDraft(ctx, admin, doc.ID, policyText("v2b")); err != nil {
			t.Fatal(err)
		}
		pub, _ = d.s.PublicPolicy(ctx, d.org.ID)
		if pub.Current.Number != 1 {
			t.Fatal("a draft replaced the published version")
		}
		v2, err := d.s.Publish(ctx, admin, doc.ID)
		if err != nil || v2.Number != 2 || v2.BodyJa != policyText("v2b").BodyJa {
			t.Fatalf("v2: %v %+v", err, v2)
		}
		effective, _ = d.s.EffectivePolicies(ctx, d.org.ID, d.people["clerk"].UserID)
		if !effective[0].AcknowledgedAt.IsZero() || effective[0].Current.Number != 2 {
			t.Fatal("version 2 counts as acknowledged by the clerk's acknowledgement of version 1")
		}
		if len(effective[0].Versions) != 2 || effective[0].Versions[1].BodyJa != policyText("v1").BodyJa {
			t.Fatal("version 1 is no longer readable")
		}
		reports, _ = d.s.AckReports(ctx, kasuhara.CLIActor, d.org.ID)
		if findAckRow(t, reports[0], d.shop.ID).Acknowledged != 0 {
			t.Fatal("the report counts acknowledgements of an old version")
		}
		// Discarding a draft keeps the published versions.
		if _, err := d.s.SaveDraft(ctx, admin, doc.ID, policyText("v3")); err != nil {
			t.Fatal(err)
		}
		if err := d.s.DiscardDraft(ctx, admin, doc.ID); err != nil {
			t.Fatal(err)
		}
		docs, _ := d.s.Policies(ctx, d.org.ID)
		if len(docs) != 1 || docs[0].Draft != nil || docs[0].Current.Number != 2 {
			t.Fatalf("after discarding: %+v", docs)
		}
		// Audit: every change is in the chain and the chain verifies.
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit: %v %+v", err, problem)
		}
	})
}

func findAckRow(t *testing.T, r kasuhara.AckReport, dept string) kasuhara.AckRow {
	t.Helper()
	return find(t, r.Rows, "row for department "+dept, func(row kasuhara.AckRow) bool { return row.DepartmentID == dept })
}

func TestGroupPolicies(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		sub, err := f.s.CreateOrg(ctx, f.actor, kasuhara.NewOrg{Slug: "acme-retail", Name: "Acme Retail", ParentSlug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		sibling, _ := f.s.CreateOrg(ctx, f.actor, kasuhara.NewOrg{Slug: "acme-bank", Name: "Acme Bank", ParentSlug: "acme"})
		group, _ := f.s.CreatePolicy(ctx, f.actor, kasuhara.PolicyBasic, true, policyText("group"))
		f.s.Publish(ctx, f.actor, group.ID)
		procedure, _ := f.s.CreatePolicy(ctx, f.actor, kasuhara.PolicyInternal, false, policyText("parent only"))
		f.s.Publish(ctx, f.actor, procedure.ID)
		pub, err := f.s.PublicPolicy(ctx, sub.ID)
		if err != nil || pub.ID != group.ID {
			t.Fatalf("the subsidiary does not show the group's policy: %v", err)
		}
		eff, _ := f.s.EffectivePolicies(ctx, sub.ID, "")
		if len(eff) != 1 {
			t.Fatalf("the parent's own internal document applies to the subsidiary: %d documents", len(eff))
		}
		// The subsidiary's own basic policy takes the group's place there only.
		subAdmin := kasuhara.Actor{UserID: f.admin.ID, OrgID: sub.ID, Role: kasuhara.RoleAdmin}
		own, _ := f.s.CreatePolicy(ctx, subAdmin, kasuhara.PolicyBasic, false, policyText("retail"))
		f.s.Publish(ctx, subAdmin, own.ID)
		if pub, _ := f.s.PublicPolicy(ctx, sub.ID); pub.ID != own.ID {
			t.Fatal("the subsidiary's own policy does not replace the group's")
		}
		if pub, _ := f.s.PublicPolicy(ctx, sibling.ID); pub.ID != group.ID {
			t.Fatal("a sibling sees another subsidiary's policy")
		}
		// The subsidiary's admin cannot change the group's document.
		_, err = f.s.SaveDraft(ctx, subAdmin, group.ID, policyText("hijack"))
		wantCode(t, err, kasuhara.ENOTFOUND)
		// Not group-wide any more: the sibling has no policy.
		if err := f.s.SetGroupWide(ctx, f.actor, group.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.PublicPolicy(ctx, sibling.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatal("a document no longer group-wide still applies to a subsidiary")
		}
	})
}
