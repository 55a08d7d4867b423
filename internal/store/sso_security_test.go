package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// evilOrg is an organisation outside acme's group with its own admin.
func evilOrg(t *testing.T, o ssoOrg) (*kasuhara.Org, kasuhara.Actor) {
	t.Helper()
	evil, _, actor := orgWithAdmin(t, o.s, kasuhara.NewOrg{Slug: "evil", Name: "Evil"},
		kasuhara.NewUser{Email: "mallory@evil.example", Name: "Mallory", Password: "mallory-password-1"})
	return evil, actor
}

// memberships returns userID's memberships as "org:role" in a stable order.
func membershipsOf(t *testing.T, o ssoOrg, userID string) []string {
	t.Helper()
	ms, err := o.s.Memberships(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.OrgID + ":" + string(m.Role)
	}
	return out
}

func linkedSubjects(t *testing.T, db *sqldb.DB, userID string) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM external_identities WHERE user_id = $1", userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSSODomainBelongsToOneGroup: an admin cannot claim for their
// organisation an e-mail domain that an organisation outside its group
// signs in with; the organisations of one group share theirs.
func TestSSODomainBelongsToOneGroup(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		evil, evilAdmin := evilOrg(t, o)
		st := kasuhara.SSOSettings{OrgID: evil.ID, Issuer: "https://idp.evil.example", ClientID: "k",
			Domains: []string{"evil.example", "acme.co.jp"}, GroupsClaim: "groups"}
		err := o.s.SaveSSO(ctx, evilAdmin, st)
		wantFieldCode(t, err, "domains", kasuhara.FieldTaken)
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM sso_settings WHERE org_id = $1", evil.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the refused settings were saved: %d (%v)", n, err)
		}
		// Not the operator either: the domain is acme's.
		wantFieldCode(t, o.s.SaveSSO(ctx, kasuhara.CLIActor, st), "domains", kasuhara.FieldTaken)
		// Its own domain alone is fine.
		st.Domains = []string{"evil.example"}
		if err := o.s.SaveSSO(ctx, evilAdmin, st); err != nil {
			t.Fatal(err)
		}
		// Acme's subsidiary shares acme's domain: one group, one company.
		if err := o.s.SaveSSO(ctx, o.actor, kasuhara.SSOSettings{OrgID: o.sub.ID, Issuer: "https://idp.example.com", ClientID: "k2",
			Domains: []string{"acme.co.jp"}, GroupsClaim: "groups"}); err != nil {
			t.Fatalf("the subsidiary with its parent's domain: %v", err)
		}
		// Acme cannot take evil's domain either.
		err = o.s.SaveSSO(ctx, o.actor, kasuhara.SSOSettings{OrgID: o.org.ID, Issuer: "https://idp.example.com", ClientID: "k",
			Domains: []string{"acme.co.jp", "evil.example"}, GroupsClaim: "groups"})
		wantFieldCode(t, err, "domains", kasuhara.FieldTaken)
	})
}

// TestSSOSignInDoesNotTakeOverAccounts: a provider linked to one
// organisation never signs in as a person who also belongs to an
// organisation outside its group (settings saved before domains were
// checked, or a domain two companies share), nor links itself to a
// password account that has a second factor; each refusal is audited and
// changes nobody's memberships.
func TestSSOSignInDoesNotTakeOverAccounts(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
		o.s.Now = func() time.Time { return now }
		boss, err := o.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "boss@acme.co.jp", Name: "社長", Password: "boss-password-12",
			OrgID: o.org.ID, Role: kasuhara.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		evil, evilAdmin := evilOrg(t, o)
		// Evil's settings claim acme's domain, as an admin could save them
		// before the domains were checked.
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO sso_settings (org_id, issuer, client_id, client_secret_sealed, domains, groups_claim, required, updated_at)
				VALUES ($1, 'https://idp.evil.example', 'k', '', 'acme.co.jp', 'groups', FALSE, $2)`, evil.ID, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := o.s.AddGroupRole(ctx, evilAdmin, kasuhara.GroupRole{OrgID: evil.ID, Group: "Staff", Role: kasuhara.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		before := membershipsOf(t, o, boss.ID)
		_, err = o.s.SSOSignIn(ctx, evil.ID, kasuhara.DirectoryPerson{Subject: "attacker", Email: "boss@acme.co.jp", Groups: []string{"Staff"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if errors.Is(err, kasuhara.ErrNoPlacement) {
			t.Fatalf("refusal %v reads as no placement", err)
		}
		if got := membershipsOf(t, o, boss.ID); len(got) != len(before) || got[0] != before[0] {
			t.Fatalf("memberships after the attempt: %v, before %v", got, before)
		}
		if n := linkedSubjects(t, db, boss.ID); n != 0 {
			t.Fatalf("the attacker's subject was linked to acme's admin (%d)", n)
		}
		if n := auditCount(t, db, "auth.sso_link_refused"); n != 1 {
			t.Fatalf("%d refusals audited, want 1", n)
		}
		// Someone of acme and of evil is not linked through acme's provider
		// either: every membership must be in the group.
		if err := o.s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: boss.ID, OrgID: evil.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		_, err = o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "boss", Email: "boss@acme.co.jp", Groups: []string{"All staff"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if got := membershipsOf(t, o, boss.ID); len(got) != 2 {
			t.Fatalf("memberships after the refusal: %v", got)
		}

		// A password account of the group without a second factor is linked.
		clerk, err := o.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "clerk@acme.co.jp", Name: "店員", Password: "clerk-password-1",
			OrgID: o.sub.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		u, err := o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "clerk", Email: "clerk@acme.co.jp", Groups: []string{"All staff"}})
		if err != nil || u.ID != clerk.ID {
			t.Fatalf("linking the clerk: %+v, %v", u, err)
		}
		// Enrolled after the link: the linked subject still signs in.
		enrol(t, twoFactorFixture{fixture: o.fixture, now: &now}, kasuhara.Actor{UserID: clerk.ID, OrgID: o.org.ID, Role: kasuhara.RoleEmployee})
		if u, err := o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "clerk", Email: "clerk@acme.co.jp", Groups: []string{"All staff"}}); err != nil || u.ID != clerk.ID {
			t.Fatalf("the linked clerk with a second factor: %+v, %v", u, err)
		}
		// A password account with a second factor is not linked to a new subject.
		guard, err := o.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "guard@acme.co.jp", Name: "警備", Password: "guard-password-1",
			OrgID: o.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		enrol(t, twoFactorFixture{fixture: o.fixture, now: &now}, kasuhara.Actor{UserID: guard.ID, OrgID: o.org.ID, Role: kasuhara.RoleEmployee})
		_, err = o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "guard", Email: "guard@acme.co.jp", Groups: []string{"Analysts"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if n := linkedSubjects(t, db, guard.ID); n != 0 {
			t.Fatal("the subject was linked to an account with a second factor")
		}
		if got := membershipsOf(t, o, guard.ID); len(got) != 1 || got[0] != o.org.ID+":employee" {
			t.Fatalf("the refused sign-in placed the account: %v", got)
		}
		if n := auditCount(t, db, "auth.sso_link_refused"); n != 3 {
			t.Fatalf("%d refusals audited, want 3", n)
		}
	})
}

// TestSSOGroupsFromSCIMNeverGiveDesk: when the ID token carries no groups
// (Google Workspace), the groups SCIM provisioned place the person, by the
// mappings SCIM may use: never desk or legal, whose SCIM token an admin
// makes alone (issue 16).
func TestSSOGroupsFromSCIMNeverGiveDesk(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		if _, err := s.AddGroupRole(ctx, kasuhara.CLIActor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "Desk", Role: kasuhara.RoleDesk}); err != nil {
			t.Fatal(err)
		}
		u, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "mallory@acme.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []string{"Desk", "All staff"} {
			if _, err := s.SCIMCreateGroup(ctx, o.org.ID, kasuhara.SCIMGroup{DisplayName: g, Members: []kasuhara.SCIMMember{{ID: u.ID}}}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "mallory", Email: "mallory@acme.co.jp"})
		if err != nil || got.ID != u.ID {
			t.Fatalf("sign-in: %+v, %v", got, err)
		}
		if ms := membershipsOf(t, o, u.ID); len(ms) != 1 || ms[0] != o.org.ID+":employee" {
			t.Fatalf("memberships after a sign-in without a groups claim: %v", ms)
		}
		// Someone the operator made desk keeps it at such a sign-in.
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: o.org.ID, Role: kasuhara.RoleDesk}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "mallory", Email: "mallory@acme.co.jp"}); err != nil {
			t.Fatal(err)
		}
		if ms := membershipsOf(t, o, u.ID); len(ms) != 1 || ms[0] != o.org.ID+":desk" {
			t.Fatalf("the operator's desk member after a sign-in without a groups claim: %v", ms)
		}
		// The groups claim of the operator's provider still gives desk.
		other, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "desk@acme.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "desk", Email: "desk@acme.co.jp", Groups: []string{"Desk"}}); err != nil {
			t.Fatal(err)
		}
		if ms := membershipsOf(t, o, other.ID); len(ms) != 1 || ms[0] != o.org.ID+":desk" {
			t.Fatalf("the groups claim's desk: %v", ms)
		}
	})
}

// TestDeactivationEndsSessions: deactivating a person (SCIM active:false,
// or an admin's SetDisabled) deletes their sessions, so reactivating them
// does not bring an old session cookie back to life.
func TestDeactivationEndsSessions(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		alive := func(token string) bool {
			t.Helper()
			_, ok, err := s.Sessions().FindCtx(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		u, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "taro@acme.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		session(t, s, "scim-old", u.ID, "Safari on iPhone")
		off := *u
		off.Active = false
		if _, err := s.SCIMReplaceUser(ctx, o.org.ID, u.ID, off); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SCIMReplaceUser(ctx, o.org.ID, u.ID, *u); err != nil {
			t.Fatal(err)
		}
		if du, _ := s.UserByID(ctx, u.ID); du.Disabled {
			t.Fatal("not reactivated")
		}
		if alive("scim-old") {
			t.Fatal("the session from before the SCIM deactivation works again after reactivation")
		}

		clerk, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "clerk@example.jp", Name: "店員", Password: "clerk-password-1",
			OrgID: o.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		session(t, s, "admin-old", clerk.ID, "Chrome on Windows")
		session(t, s, "someone-else", o.admin.ID, "Edge on Windows")
		if err := s.SetDisabled(ctx, o.actor, clerk.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDisabled(ctx, o.actor, clerk.ID, false); err != nil {
			t.Fatal(err)
		}
		if alive("admin-old") {
			t.Fatal("the session from before SetDisabled works again after reactivation")
		}
		if !alive("someone-else") {
			t.Fatal("another person's session ended")
		}
	})
}

// TestSCIMStaysInItsDomains: a SCIM token provisions only addresses of
// its organisation's e-mail domains, when it has some: it cannot reserve
// anybody else's address.
func TestSCIMStaysInItsDomains(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		_, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "ceo@rival.example", Active: true})
		wantFieldCode(t, err, "userName", kasuhara.FieldForeignDomain)
		_, err = s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "E12345", Email: "ceo@rival.example", Active: true})
		wantFieldCode(t, err, "emails", kasuhara.FieldForeignDomain)
		if _, err := s.UserByEmail(ctx, "ceo@rival.example"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("the foreign address was reserved: %v", err)
		}
		// Within the domains, and the subsidiary's token under the parent's settings.
		u, err := s.SCIMCreateUser(ctx, o.sub.ID, kasuhara.SCIMUser{UserName: "E12345", Email: "Hanako@ACME.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		// Nor moved outside by a replace.
		moved := *u
		moved.Email = "ceo@rival.example"
		_, err = s.SCIMReplaceUser(ctx, o.sub.ID, u.ID, moved)
		wantFieldCode(t, err, "emails", kasuhara.FieldForeignDomain)
		// An organisation without domains provisions any address.
		free, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "free", Name: "Free"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SCIMCreateUser(ctx, free.ID, kasuhara.SCIMUser{UserName: "someone@free.example", Active: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSCIMLeavesOtherOrganisationsAlone: a person who also belongs to an
// organisation outside the token's group keeps their e-mail address and
// their access there: SCIM refuses to change the address, and its
// deactivation removes only the memberships in its group.
func TestSCIMLeavesOtherOrganisationsAlone(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		evil, _ := evilOrg(t, o)
		u, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "shared@acme.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.SCIMCreateGroup(ctx, o.org.ID, kasuhara.SCIMGroup{DisplayName: "Analysts", Members: []kasuhara.SCIMMember{{ID: u.ID}}})
		if err != nil || g == nil {
			t.Fatal(err)
		}
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: evil.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		session(t, s, "shared-session", u.ID, "Firefox on Linux")

		moved := *u
		moved.UserName, moved.Email = "shared2@acme.co.jp", ""
		_, err = s.SCIMReplaceUser(ctx, o.org.ID, u.ID, moved)
		wantCode(t, err, kasuhara.ECONFLICT)
		if got, _ := s.UserByID(ctx, u.ID); got.Email != "shared@acme.co.jp" {
			t.Fatalf("the address became %s", got.Email)
		}

		off := *u
		off.Active = false
		if _, err := s.SCIMReplaceUser(ctx, o.org.ID, u.ID, off); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.Disabled {
			t.Fatal("acme's directory disabled the person everywhere")
		}
		if ms := membershipsOf(t, o, u.ID); len(ms) != 1 || ms[0] != evil.ID+":employee" {
			t.Fatalf("memberships after acme's deactivation: %v", ms)
		}
		if _, ok, _ := s.Sessions().FindCtx(ctx, "shared-session"); !ok {
			t.Fatal("acme's directory ended the person's session at evil")
		}
		// Reactivated, their groups place them again.
		if _, err := s.SCIMReplaceUser(ctx, o.org.ID, u.ID, *u); err != nil {
			t.Fatal(err)
		}
		if ms := membershipsOf(t, o, u.ID); len(ms) != 2 {
			t.Fatalf("memberships after acme's reactivation: %v", ms)
		}
	})
}
