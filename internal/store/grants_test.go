package store_test

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// linkOf mints the newest password link of the person's mail job, as the
// mail job does when it runs, and checks that no job holds its token.
func linkOf(t *testing.T, db *sqldb.DB, s *store.Store, email string) string {
	t.Helper()
	var id string
	if err := db.Read.QueryRowContext(ctx, `SELECT p.id FROM password_links p JOIN users u ON u.id = p.user_id
		WHERE u.email = $1 AND p.used_at IS NULL ORDER BY p.created_at DESC, p.id DESC LIMIT 1`, email).Scan(&id); err != nil {
		t.Fatalf("no password link for %s: %v", email, err)
	}
	found := false
	for _, p := range jobRows(t, db, notify.KindPasswordLinkMail) {
		found = found || strings.Contains(p, id)
	}
	if !found {
		t.Fatalf("no mail job for link %s", id)
	}
	l, err := s.MintPasswordLink(ctx, id)
	if err != nil || l.To != email || len(l.Token) < 40 {
		t.Fatalf("mint = %+v, %v", l, err)
	}
	var n int
	if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE payload LIKE $1", "%"+l.Token+"%").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d jobs hold the token (%v)", n, err)
	}
	return l.Token
}

// TestAdminAloneCannotGrantDeskOrLegal is issue 16's finding 2: an admin
// created a desk or legal user (or reset one's password), signed in as it
// and read the confidential cases. Now the grant waits for a legal member,
// and the password reaches only the person, by a mailed link.
func TestAdminAloneCannotGrantDeskOrLegal(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		d := setupDesk(t, db)
		// The admin who made "legal" cannot ask legal for grants (legal
		// would decide on its maker's request): the second admin asks.
		admin, legal := d.people["admin2"], d.people["legal"]
		c, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "土下座しろと言われた", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetConfidential(ctx, d.people["clerk"], c.ID, true); err != nil {
			t.Fatal(err)
		}

		// Alone, directly: refused.
		_, err = d.s.CreateUser(ctx, admin, kasuhara.NewUser{Email: "evil@example.jp", Name: "evil", Password: "long-enough-pw", OrgID: d.org.ID, Role: kasuhara.RoleDesk})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if _, err := d.s.UserByEmail(ctx, "evil@example.jp"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("the refused user exists: %v", err)
		}
		wantCode(t, d.s.SetMembership(ctx, admin, kasuhara.Membership{UserID: d.people["clerk2"].UserID, OrgID: d.org.ID, Role: kasuhara.RoleLegal}), kasuhara.EFORBIDDEN)
		_, err = d.s.ResetPassword(ctx, admin, d.people["desk1"].UserID)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		// Employees' passwords and lower roles stay the admin's.
		if _, err := d.s.ResetPassword(ctx, admin, d.people["clerk2"].UserID); err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetMembership(ctx, admin, kasuhara.Membership{UserID: d.people["desk2"].UserID, OrgID: d.org.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		// Nobody else manages users.
		_, err = d.s.ResetPassword(ctx, d.people["desk1"], d.people["clerk2"].UserID)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.ResetPassword(ctx, kasuhara.Actor{UserID: admin.UserID, OrgID: d.other.ID, Role: kasuhara.RoleAdmin}, d.people["clerk2"].UserID)
		wantCode(t, err, kasuhara.ENOTFOUND)

		// The request: a new person, an employee without a password.
		g, err := d.s.RequestGrant(ctx, admin, kasuhara.NewGrant{OrgID: d.org.ID, Email: "New.Desk@example.jp", Name: "新 窓口", Kind: kasuhara.GrantRole, Role: kasuhara.RoleDesk})
		if err != nil || g.Status != kasuhara.GrantPending {
			t.Fatalf("request = %+v, %v", g, err)
		}
		u, err := d.s.UserByEmail(ctx, "new.desk@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		if ms, _ := d.s.Memberships(ctx, u.ID); len(ms) != 1 || ms[0].Role != kasuhara.RoleEmployee {
			t.Fatalf("memberships while pending = %+v", ms)
		}
		mails := jobRows(t, db, notify.KindGrantMail)
		if len(mails) != 1 || !strings.Contains(mails[0], "legal@example.jp") || strings.Contains(mails[0], "new.desk") {
			t.Fatalf("grant mails = %v: want one to legal, naming nobody", mails)
		}
		_, err = d.s.RequestGrant(ctx, admin, kasuhara.NewGrant{OrgID: d.org.ID, UserID: u.ID, Kind: kasuhara.GrantRole, Role: kasuhara.RoleLegal})
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = d.s.RequestGrant(ctx, admin, kasuhara.NewGrant{OrgID: d.org.ID, UserID: d.people["clerk"].UserID, Kind: kasuhara.GrantRole, Role: kasuhara.RoleAdmin})
		wantField(t, err, "role")
		_, err = d.s.RequestGrant(ctx, d.people["desk1"], kasuhara.NewGrant{OrgID: d.org.ID, UserID: d.people["clerk"].UserID, Kind: kasuhara.GrantRole, Role: kasuhara.RoleDesk})
		wantCode(t, err, kasuhara.EFORBIDDEN)

		// Neither the requester, nor another admin while there is a legal
		// member, nor the desk, decides.
		for _, who := range []kasuhara.Actor{admin, d.actor, d.people["desk1"]} {
			_, err = d.s.DecideGrant(ctx, who, g.ID, true, "")
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		if ms, _ := d.s.Memberships(ctx, u.ID); ms[0].Role != kasuhara.RoleEmployee {
			t.Fatalf("role after refused decisions = %s", ms[0].Role)
		}
		list, err := d.s.GrantRequests(ctx, legal, d.org.ID)
		if err != nil || len(list) != 1 || list[0].UserEmail != "new.desk@example.jp" || list[0].Requester != "admin2" {
			t.Fatalf("legal's list = %+v, %v", list, err)
		}
		_, err = d.s.GrantRequests(ctx, d.people["otherdesk"], d.org.ID)
		wantCode(t, err, kasuhara.EFORBIDDEN)

		// Legal approves: the role, and a link mailed to the person.
		_, err = d.s.DecideGrant(ctx, legal, g.ID, true, strings.Repeat("長", store.MaxGrantComment+1))
		wantField(t, err, "comment")
		got, err := d.s.DecideGrant(ctx, legal, g.ID, true, "本人確認済み")
		if err != nil || got.Status != kasuhara.GrantApproved || got.DecidedBy != legal.UserID {
			t.Fatalf("approve = %+v, %v", got, err)
		}
		if ms, _ := d.s.Memberships(ctx, u.ID); ms[0].Role != kasuhara.RoleDesk {
			t.Fatalf("role after approval = %s", ms[0].Role)
		}
		_, err = d.s.DecideGrant(ctx, legal, g.ID, false, "")
		wantCode(t, err, kasuhara.ECONFLICT)
		token := linkOf(t, db, d.s, "new.desk@example.jp")
		_, err = d.s.SetPasswordByLink(ctx, token, "short")
		wantField(t, err, "password")
		if _, err := d.s.SetPasswordByLink(ctx, token, "my-own-password-1"); err != nil {
			t.Fatal(err)
		}
		_, err = d.s.SetPasswordByLink(ctx, token, "my-own-password-2")
		wantCode(t, err, kasuhara.ENOTFOUND)
		if _, err := d.s.Authenticate(ctx, "new.desk@example.jp", "my-own-password-1"); err != nil {
			t.Fatal(err)
		}
		newDesk := kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleDesk}
		if _, err := d.s.CaseByID(ctx, newDesk, c.ID); err != nil {
			t.Fatalf("the approved desk member reads the case: %v", err)
		}
		es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); got != "auth.login user.password_set grant.approve grant.request user.create" {
			t.Fatalf("audit = %s", got)
		}
	})
}

// TestGrantWithoutLegalNeedsAnotherAdmin: while an organisation has no
// legal member a second admin decides, but not one the requester made; a
// parent's admin acting in a subsidiary is held to the same; a reset ends
// the person's tokens and the link is theirs alone.
func TestGrantWithoutLegalNeedsAnotherAdmin(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		sub, err := f.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme-retail", Name: "Acme Retail", ParentSlug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(by kasuhara.Actor, email string, org string, role kasuhara.Role) kasuhara.Actor {
			t.Helper()
			u, err := f.s.CreateUser(ctx, by, kasuhara.NewUser{Email: email, Name: email, Password: "long-enough-pw", OrgID: org, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: org, Role: role}
		}
		admin2 := mk(kasuhara.CLIActor, "admin2@example.jp", f.org.ID, kasuhara.RoleAdmin)
		ownAdmin := mk(f.actor, "own-admin@example.jp", f.org.ID, kasuhara.RoleAdmin) // made by the requester
		subAdmin := mk(kasuhara.CLIActor, "sub-admin@example.jp", sub.ID, kasuhara.RoleAdmin)
		outsider := mk(kasuhara.CLIActor, "outsider@example.jp", other.ID, kasuhara.RoleAdmin)

		// The parent's admin asks for a legal member of the subsidiary.
		g, err := f.s.RequestGrant(ctx, f.actor, kasuhara.NewGrant{OrgID: sub.ID, Email: "legal@retail.example", Name: "法務 一郎", Kind: kasuhara.GrantRole, Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatal(err)
		}
		mails := strings.Join(jobRows(t, db, notify.KindGrantMail), "\n")
		for _, want := range []string{"admin2@example.jp", "sub-admin@example.jp"} {
			if !strings.Contains(mails, want) {
				t.Errorf("no grant mail to %s: %s", want, mails)
			}
		}
		if strings.Contains(mails, `["admin@example.jp"]`) || strings.Contains(mails, "own-admin") || strings.Contains(mails, "outsider") {
			t.Errorf("grant mail to the requester or an outsider: %s", mails)
		}
		_, err = f.s.DecideGrant(ctx, f.actor, g.ID, true, "")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = f.s.DecideGrant(ctx, ownAdmin, g.ID, true, "")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = f.s.DecideGrant(ctx, outsider, g.ID, true, "")
		wantCode(t, err, kasuhara.ENOTFOUND)
		if _, err := f.s.DecideGrant(ctx, subAdmin, g.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		legalUser, _ := f.s.UserByEmail(ctx, "legal@retail.example")
		subLegal := kasuhara.Actor{UserID: legalUser.ID, OrgID: sub.ID, Role: kasuhara.RoleLegal}
		token := linkOf(t, db, f.s, "legal@retail.example")
		if _, err := f.s.SetPasswordByLink(ctx, token, "legal-password-1"); err != nil {
			t.Fatal(err)
		}
		_, secret, err := f.s.CreateToken(ctx, kasuhara.CLIActor, legalUser.ID, "api")
		if err != nil {
			t.Fatal(err)
		}

		// Now the subsidiary has a legal member: its reset waits for legal,
		// and the person concerned is not the one to approve it.
		_, err = f.s.ResetPassword(ctx, subAdmin, legalUser.ID)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		r, err := f.s.RequestGrant(ctx, subAdmin, kasuhara.NewGrant{OrgID: sub.ID, UserID: legalUser.ID, Kind: kasuhara.GrantReset})
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []kasuhara.Actor{admin2, f.actor, subLegal} {
			_, err = f.s.DecideGrant(ctx, who, r.ID, true, "")
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		legal2 := mk(kasuhara.CLIActor, "legal2@retail.example", sub.ID, kasuhara.RoleLegal)
		if _, err := f.s.DecideGrant(ctx, legal2, r.ID, true, "本人から依頼あり"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, "legal@retail.example", "legal-password-1"); kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
			t.Fatalf("the old password still signs in: %v", err)
		}
		if _, err := f.s.TokenUser(ctx, secret); kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
			t.Fatalf("the token survived the reset: %v", err)
		}
		// The first link was used; the reset's link is a new one, and a
		// rejected request changes nothing.
		if _, err := f.s.SetPasswordByLink(ctx, linkOf(t, db, f.s, "legal@retail.example"), "legal-password-2"); err != nil {
			t.Fatal(err)
		}
		rj, err := f.s.RequestGrant(ctx, subAdmin, kasuhara.NewGrant{OrgID: sub.ID, UserID: legalUser.ID, Kind: kasuhara.GrantReset})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.DecideGrant(ctx, legal2, rj.ID, false, "本人に確認できない"); err != nil || got.Status != kasuhara.GrantRejected {
			t.Fatalf("reject = %+v, %v", got, err)
		}
		if _, err := f.s.Authenticate(ctx, "legal@retail.example", "legal-password-2"); err != nil {
			t.Fatalf("a rejected reset changed the password: %v", err)
		}
		// Only the operator makes a link by hand.
		_, err = f.s.PasswordLinkFor(ctx, f.actor, "legal@retail.example")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		tok, err := f.s.PasswordLinkFor(ctx, kasuhara.CLIActor, "legal@retail.example")
		if err != nil {
			t.Fatal(err)
		}
		if u, err := f.s.PasswordLinkUser(ctx, tok); err != nil || u.ID != legalUser.ID {
			t.Fatalf("link user = %+v, %v", u, err)
		}
		if _, err := f.s.PasswordLinkUser(ctx, tok+"x"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a wrong token: %v", err)
		}
	})
}

// TestOrgAuditEntriesChecksTheReader: the audit page's list is the store's
// to authorize (the page checked it before): no view_audit, no entries;
// the entries of reporters' choices only for legal.
func TestOrgAuditEntriesChecksTheReader(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		d := setupDesk(t, db)
		c, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "土下座しろと言われた", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetConfidential(ctx, d.people["clerk"], c.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"clerk", "desk1", "shopboss", "analyst"} {
			_, err := d.s.OrgAuditEntries(ctx, d.people[who], 50)
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		has := func(a kasuhara.Actor) bool {
			t.Helper()
			es, err := d.s.OrgAuditEntries(ctx, a, 200)
			if err != nil || len(es) == 0 {
				t.Fatalf("entries = %d, %v", len(es), err)
			}
			for _, e := range es {
				if e.Action == "case.confidential" {
					return true
				}
			}
			return false
		}
		if has(d.actor) || !has(d.people["legal"]) {
			t.Fatal("the confidentiality choice: want it for legal only")
		}
	})
}

// TestPendingGrantsReachTheDeciders: a grant request tells every person
// who may decide it in the app too (not the requester, nor the person
// concerned), is listed for them with whether they may decide it (issue
// 19, approvals that reach the approver), and its decision tells the
// requester, ends the other deciders' notices and is audited without the
// comment's text.
func TestPendingGrantsReachTheDeciders(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		mk := func(email string, role kasuhara.Role) kasuhara.Actor {
			t.Helper()
			u, err := f.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: email, Name: "名 " + email, Password: "long-enough-pw", OrgID: f.org.ID, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: f.org.ID, Role: role}
		}
		legal1, legal2 := mk("legal1@example.jp", kasuhara.RoleLegal), mk("legal2@example.jp", kasuhara.RoleLegal)
		emp, desk := mk("emp@example.jp", kasuhara.RoleEmployee), mk("desk@example.jp", kasuhara.RoleDesk)
		g, err := f.s.RequestGrant(ctx, f.actor, kasuhara.NewGrant{OrgID: f.org.ID, UserID: emp.UserID, Kind: kasuhara.GrantRole, Role: kasuhara.RoleDesk})
		if err != nil {
			t.Fatal(err)
		}
		notices := func(a kasuhara.Actor) []kasuhara.Notification {
			t.Helper()
			ns, err := f.s.Notifications(ctx, a.UserID, 50)
			if err != nil {
				t.Fatal(err)
			}
			return ns
		}
		for _, who := range []kasuhara.Actor{legal1, legal2} {
			ns := notices(who)
			if len(ns) != 1 || ns[0].Type != notify.GrantRequested || ns[0].CaseID != g.ID || ns[0].Detail != "desk" || !ns[0].ReadAt.IsZero() {
				t.Errorf("the decider's notices: %+v", ns)
			}
		}
		for _, who := range []kasuhara.Actor{f.actor, emp, desk} {
			if ns := notices(who); len(ns) != 0 {
				t.Errorf("%s was told of the request: %+v", who.Role, ns)
			}
		}

		list, err := f.s.PendingGrants(ctx, legal1)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || !list[0].MayDecide || list[0].UserName != "名 emp@example.jp" || list[0].Requester != "管理 花子" || list[0].Role != kasuhara.RoleDesk {
			t.Fatalf("legal's pending grants: %+v", list)
		}
		// The requester sees it and may not decide it; others are refused.
		if list, err := f.s.PendingGrants(ctx, f.actor); err != nil || len(list) != 1 || list[0].MayDecide {
			t.Fatalf("the requester's pending grants: %+v, %v", list, err)
		}
		for _, who := range []kasuhara.Actor{emp, desk} {
			_, err := f.s.PendingGrants(ctx, who)
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}

		if _, err := f.s.DecideGrant(ctx, legal1, g.ID, true, "電話で本人確認"); err != nil {
			t.Fatal(err)
		}
		if list, err := f.s.PendingGrants(ctx, legal2); err != nil || len(list) != 0 {
			t.Fatalf("a decided request is still pending: %+v, %v", list, err)
		}
		if n, _ := f.s.UnreadCount(ctx, legal2.UserID); n != 0 {
			t.Errorf("the other decider has %d unread notices after the decision, want 0", n)
		}
		if ns := notices(f.actor); len(ns) != 1 || ns[0].Type != notify.GrantApproved || ns[0].CaseID != g.ID {
			t.Errorf("the requester's notices: %+v", ns)
		}
		es, err := f.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{Action: "grant.approve", Limit: 10})
		if err != nil || len(es) != 1 {
			t.Fatalf("audit of the approval: %+v, %v", es, err)
		}
		if es[0].ActorID != legal1.UserID || !strings.Contains(es[0].Detail, `"comment":true`) || strings.Contains(es[0].Detail, "本人確認") {
			t.Errorf("audit entry: %+v", es[0])
		}
	})
}
