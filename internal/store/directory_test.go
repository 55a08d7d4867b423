package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// withSecrets gives the store a key to seal secrets with.
func withSecrets(t *testing.T, f fixture) *blob.Store {
	t.Helper()
	b, err := blob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f.s.DirectorySecrets = b
	return b
}

func TestSSOSettings(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		keys := withSecrets(t, f)
		st := kasuhara.SSOSettings{OrgID: f.org.ID, Issuer: "https://login.example.com/tenant/v2.0/", ClientID: "kasuhara-app",
			ClientSecret: "s3cret-value-xyz", Domains: kasuhara.ParseDomains("@Acme.co.jp, acme-retail.jp\nacme.co.jp"), GroupsClaim: "groups", Required: true}
		if err := f.s.SaveSSO(ctx, f.actor, st); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.SSO(ctx, f.actor, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Issuer != "https://login.example.com/tenant/v2.0" || !got.HasSecret || got.ClientSecret != "" || !got.Required ||
			strings.Join(got.Domains, ",") != "acme.co.jp,acme-retail.jp" {
			t.Fatalf("SSO = %+v", got)
		}
		// The secret is sealed in the database and never in the trail.
		var sealed string
		if err := db.Read.QueryRowContext(ctx, "SELECT client_secret_sealed FROM sso_settings").Scan(&sealed); err != nil || sealed == "" || strings.Contains(sealed, "s3cret") {
			t.Fatalf("stored secret %q (%v)", sealed, err)
		}
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE detail LIKE '%s3cret%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d audit entries hold the secret (%v)", n, err)
		}
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action = 'sso.settings'").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d sso.settings entries (%v)", n, err)
		}
		// Saving without a secret keeps it; the sign-in opens it.
		st.ClientSecret, st.Required = "", false
		if err := f.s.SaveSSO(ctx, f.actor, st); err != nil {
			t.Fatal(err)
		}
		open, err := f.s.SSOForEmail(ctx, "Taro@ACME-RETAIL.jp")
		if err != nil || open.ClientSecret != "s3cret-value-xyz" || open.OrgID != f.org.ID {
			t.Fatalf("SSOForEmail = %+v, %v", open, err)
		}
		// A rotation of the key seals the secret again before the old key goes.
		if _, _, err := keys.BeginRotation(); err != nil {
			t.Fatal(err)
		}
		if n, err := f.s.ResealSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("ResealSecrets = %d, %v", n, err)
		}
		if err := keys.FinishRotation(); err != nil {
			t.Fatal(err)
		}
		if open, err := f.s.SSOForEmail(ctx, "taro@acme.co.jp"); err != nil || open.ClientSecret != "s3cret-value-xyz" {
			t.Fatalf("after the key rotation: %+v, %v", open, err)
		}
		if _, err := keys.Unseal(sealed); err == nil {
			t.Fatal("the secret sealed with the destroyed key still opens")
		}
		_, err = f.s.SSOForEmail(ctx, "someone@elsewhere.jp")
		wantCode(t, err, kasuhara.ENOTFOUND)

		// Bad input names the field.
		bad := kasuhara.SSOSettings{OrgID: f.org.ID, Issuer: "ftp://x", ClientID: "", Domains: []string{"not a domain"}, GroupsClaim: "a b"}
		err = f.s.SaveSSO(ctx, f.actor, bad)
		for _, field := range []string{"issuer", "client_id", "domains", "groups_claim"} {
			wantField(t, err, field)
		}
		err = f.s.SaveSSO(ctx, f.actor, kasuhara.SSOSettings{OrgID: f.org.ID, Issuer: "http://idp.example.com", ClientID: "x", Domains: []string{"acme.co.jp"}, GroupsClaim: "groups"})
		wantField(t, err, "issuer")

		// Only the organisation's admins.
		clerk, err := f.s.CreateUser(ctx, f.actor, kasuhara.NewUser{Email: "clerk@acme.co.jp", Name: "clerk", Password: "long-enough-pw", OrgID: f.org.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.s.SSO(ctx, kasuhara.Actor{UserID: clerk.ID, OrgID: f.org.ID, Role: kasuhara.RoleEmployee}, f.org.ID)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		other, err := f.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.s.SaveSSO(ctx, f.actor, kasuhara.SSOSettings{OrgID: other.ID}), kasuhara.ENOTFOUND)
	})
}

// ssoOrg is an organisation with a subsidiary, a shop department in the
// subsidiary, company sign-in and group mappings.
type ssoOrg struct {
	fixture
	sub  *kasuhara.Org
	shop *kasuhara.Department
}

func setupSSO(t *testing.T, db *sqldb.DB) ssoOrg {
	t.Helper()
	f := setup(t, db)
	withSecrets(t, f)
	sub, err := f.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme-retail", Name: "Acme Retail", ParentSlug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := f.s.CreateDepartment(ctx, kasuhara.CLIActor, sub.ID, "新宿店")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SaveSSO(ctx, f.actor, kasuhara.SSOSettings{OrgID: f.org.ID, Issuer: "https://idp.example.com", ClientID: "k", ClientSecret: "secret",
		Domains: []string{"acme.co.jp"}, GroupsClaim: "groups", Required: true}); err != nil {
		t.Fatal(err)
	}
	for _, g := range []kasuhara.GroupRole{
		{OrgID: f.org.ID, Group: "All staff", Role: kasuhara.RoleEmployee},
		{OrgID: f.org.ID, Group: "Shinjuku", TargetOrgID: sub.ID, Role: kasuhara.RoleEmployee, DepartmentID: shop.ID},
		{OrgID: f.org.ID, Group: "Store managers", TargetOrgID: sub.ID, Role: kasuhara.RoleSupervisor},
		{OrgID: f.org.ID, Group: "Analysts", Role: kasuhara.RoleAnalyst},
	} {
		if _, err := f.s.AddGroupRole(ctx, f.actor, g); err != nil {
			t.Fatal(err)
		}
	}
	return ssoOrg{fixture: f, sub: sub, shop: shop}
}

func TestGroupRoles(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		// Desk and legal need a second person: the admin alone may not map
		// a group to them; the operator may.
		_, err := o.s.AddGroupRole(ctx, o.actor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "Desk", Role: kasuhara.RoleDesk})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		desk, err := o.s.AddGroupRole(ctx, kasuhara.CLIActor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "Desk", Role: kasuhara.RoleDesk})
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.s.AddGroupRole(ctx, o.actor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "All staff", Role: kasuhara.RoleAnalyst})
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = o.s.AddGroupRole(ctx, o.actor, kasuhara.GroupRole{OrgID: o.org.ID, Group: " ", Role: "boss"})
		wantField(t, err, "group")
		wantField(t, err, "role")
		// A department of another organisation, an organisation outside the group.
		_, err = o.s.AddGroupRole(ctx, o.actor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "X", Role: kasuhara.RoleEmployee, DepartmentID: o.shop.ID})
		wantField(t, err, "department")
		other, err := o.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = o.s.AddGroupRole(ctx, o.actor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "X", TargetOrgID: other.ID, Role: kasuhara.RoleEmployee})
		wantField(t, err, "target_org")

		gs, err := o.s.GroupRoles(ctx, o.actor, o.org.ID)
		if err != nil || len(gs) != 5 {
			t.Fatalf("GroupRoles = %d, %v", len(gs), err)
		}
		if err := o.s.RemoveGroupRole(ctx, o.actor, o.org.ID, desk.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, o.s.RemoveGroupRole(ctx, o.actor, o.org.ID, desk.ID), kasuhara.ENOTFOUND)
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE action IN ('sso.group_add', 'sso.group_remove')").Scan(&n); err != nil || n != 6 {
			t.Fatalf("%d mapping audit entries, want 6 (%v)", n, err)
		}
	})
}

func TestPlace(t *testing.T) {
	ms := []kasuhara.GroupRole{
		{Group: "All staff", TargetOrgID: "top", Role: kasuhara.RoleEmployee},
		{Group: "Shinjuku", TargetOrgID: "sub", Role: kasuhara.RoleEmployee, DepartmentID: "shop"},
		{Group: "Store managers", TargetOrgID: "sub", Role: kasuhara.RoleSupervisor},
		{Group: "Analysts", TargetOrgID: "top", Role: kasuhara.RoleAnalyst},
	}
	depth := map[string]int{"top": 0, "sub": 1}
	for _, tc := range []struct {
		groups []string
		want   kasuhara.Placement
		ok     bool
	}{
		{[]string{"All staff"}, kasuhara.Placement{OrgID: "top", Role: kasuhara.RoleEmployee}, true},
		{[]string{"all staff", "Analysts"}, kasuhara.Placement{OrgID: "top", Role: kasuhara.RoleAnalyst}, true},
		{[]string{"All staff", "Store managers"}, kasuhara.Placement{OrgID: "sub", Role: kasuhara.RoleSupervisor}, true},
		{[]string{"Store managers", "Shinjuku"}, kasuhara.Placement{OrgID: "sub", Role: kasuhara.RoleEmployee, DepartmentID: "shop"}, true},
		{[]string{"Marketing"}, kasuhara.Placement{}, false},
		{nil, kasuhara.Placement{}, false},
	} {
		got, ok := kasuhara.Place(ms, tc.groups, depth)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Place(%v) = %+v, %v; want %+v, %v", tc.groups, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSSOSignIn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		roleIn := func(userID, orgID string) (string, string) {
			t.Helper()
			var role, dep string
			err := db.Read.QueryRowContext(ctx, "SELECT role, COALESCE(department_id, '') FROM memberships WHERE user_id = $1 AND org_id = $2", userID, orgID).Scan(&role, &dep)
			if err != nil {
				return "", ""
			}
			return role, dep
		}
		// Just in time: the first sign-in creates the person in the shop.
		u, err := o.s.SSOSignIn(ctx, o.sub.ID, kasuhara.DirectoryPerson{Subject: "sub-1", Email: "Hanako@acme.co.jp", Name: "山田 花子", Groups: []string{"All staff", "Shinjuku"}})
		if err != nil {
			t.Fatal(err)
		}
		if r, d := roleIn(u.ID, o.sub.ID); r != "employee" || d != o.shop.ID {
			t.Fatalf("membership %s %s", r, d)
		}
		// The role follows the directory: promoted to store manager, the
		// next sign-in moves them; the subject finds them even with a new
		// address.
		u2, err := o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "sub-1", Email: "hanako.yamada@acme.co.jp", Groups: []string{"Store managers"}})
		if err != nil || u2.ID != u.ID {
			t.Fatalf("second sign-in = %+v, %v", u2, err)
		}
		if r, d := roleIn(u.ID, o.sub.ID); r != "supervisor" || d != "" {
			t.Fatalf("membership after promotion %s %s", r, d)
		}
		// Moved to the top organisation: the subsidiary's membership goes.
		if _, err := o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "sub-1", Email: "hanako@acme.co.jp", Groups: []string{"Analysts"}}); err != nil {
			t.Fatal(err)
		}
		if r, _ := roleIn(u.ID, o.sub.ID); r != "" {
			t.Fatalf("still %s in the subsidiary", r)
		}
		if r, _ := roleIn(u.ID, o.org.ID); r != "analyst" {
			t.Fatalf("top membership %q", r)
		}
		// No group maps: no access, and the memberships of the group go.
		_, err = o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "sub-1", Email: "hanako@acme.co.jp", Groups: []string{"Marketing"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if !errors.Is(err, kasuhara.ErrNoPlacement) {
			t.Fatalf("error %v is not ErrNoPlacement", err)
		}
		if ms, _ := o.s.Memberships(ctx, u.ID); len(ms) != 0 {
			t.Fatalf("memberships left: %+v", ms)
		}
		// A new person with no mapped group is not created at all.
		_, err = o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "sub-2", Email: "nobody@acme.co.jp", Groups: []string{"Marketing"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if _, err := o.s.UserByEmail(ctx, "nobody@acme.co.jp"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a person without a mapped group was created: %v", err)
		}
		// An address outside the domains is refused.
		_, err = o.s.SSOSignIn(ctx, o.org.ID, kasuhara.DirectoryPerson{Subject: "sub-3", Email: "x@evil.example", Groups: []string{"All staff"}})
		wantCode(t, err, kasuhara.EFORBIDDEN)
		// Every change has the directory as actor; no address in the trail.
		var n int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE actor_label = 'directory' AND action IN ('user.create', 'membership.set', 'membership.remove')").Scan(&n); err != nil || n < 5 {
			t.Fatalf("%d directory entries (%v)", n, err)
		}
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE detail LIKE '%acme.co.jp%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d entries hold an address (%v)", n, err)
		}
	})
}

func TestPasswordAllowed(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		clerk, err := o.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "clerk@acme.co.jp", Name: "clerk", Password: "long-enough-pw", OrgID: o.sub.ID, Role: kasuhara.RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			who  string
			want bool
		}{{clerk.ID, false}, {o.admin.ID, false}} {
			if got, err := o.s.PasswordAllowed(ctx, tc.who); err != nil || got != tc.want {
				t.Fatalf("PasswordAllowed(%s) = %v, %v", tc.who, got, err)
			}
		}
		// The emergency administrator keeps the password; only an admin can be one.
		wantField(t, o.s.SetEmergencyAdmin(ctx, o.actor, o.sub.ID, clerk.ID, true), "user")
		if err := o.s.SetEmergencyAdmin(ctx, kasuhara.CLIActor, o.org.ID, o.admin.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := o.s.PasswordAllowed(ctx, o.admin.ID); !got {
			t.Fatal("the emergency administrator may not use a password")
		}
		if ids, err := o.s.EmergencyAdmins(ctx, o.actor, o.org.ID); err != nil || len(ids) != 1 || ids[0] != o.admin.ID {
			t.Fatalf("EmergencyAdmins = %v, %v", ids, err)
		}
		_, err = o.s.EmergencyAdmins(ctx, kasuhara.Actor{UserID: clerk.ID, OrgID: o.sub.ID, Role: kasuhara.RoleEmployee}, o.org.ID)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if got, _ := o.s.PasswordAllowed(ctx, clerk.ID); got {
			t.Fatal("the clerk may use a password")
		}
	})
}

// TestDirectoryCannotGiveTheAdminTheCases: groups give desk or legal only
// by the operator's word and only for the provider they were given with.
// An admin who points the organisation at another provider (one they run,
// whose tokens say whatever groups they like) loses those mappings at
// once; SCIM, whose token is the admin's, neither gives nor takes desk or
// legal, while it still places people in the other roles and deactivates
// leavers. The operator's own change of provider keeps them.
func TestDirectoryCannotGiveTheAdminTheCases(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		mapDesk := func() {
			t.Helper()
			if _, err := s.AddGroupRole(ctx, kasuhara.CLIActor, kasuhara.GroupRole{OrgID: o.org.ID, Group: "Desk", Role: kasuhara.RoleDesk}); err != nil {
				t.Fatal(err)
			}
		}
		privileged := func() (n int) {
			t.Helper()
			gs, err := s.GroupRoles(ctx, o.actor, o.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				if g.Role.Privileged() {
					n++
				}
			}
			return n
		}
		mapDesk()

		// SCIM puts a person in the desk's group: no desk membership.
		u, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "mallory@acme.co.jp", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SCIMCreateGroup(ctx, o.org.ID, kasuhara.SCIMGroup{DisplayName: "Desk", Members: []kasuhara.SCIMMember{{ID: u.ID}}}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.Memberships(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Role.Privileged() {
				t.Fatalf("SCIM gave %s the role %s", u.UserName, m.Role)
			}
		}
		// The other roles still come through SCIM.
		g, err := s.SCIMCreateGroup(ctx, o.org.ID, kasuhara.SCIMGroup{DisplayName: "Analysts", Members: []kasuhara.SCIMMember{{ID: u.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.Memberships(ctx, u.ID); len(ms) != 1 || ms[0].Role != kasuhara.RoleAnalyst {
			t.Fatalf("SCIM's analyst group placed %+v", ms)
		}
		if err := s.SCIMChangeMembers(ctx, o.org.ID, g.ID, nil, []string{u.ID}); err != nil {
			t.Fatal(err)
		}
		// Nor does SCIM take desk away from someone the operator made desk.
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: u.ID, OrgID: o.org.ID, Role: kasuhara.RoleDesk}); err != nil {
			t.Fatal(err)
		}
		if err := s.SCIMChangeMembers(ctx, o.org.ID, g.ID, []string{u.ID}, nil); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.Memberships(ctx, u.ID); len(ms) != 1 || ms[0].Role != kasuhara.RoleDesk {
			t.Fatalf("SCIM changed the operator's desk member to %+v", ms)
		}

		// The admin changes the provider: the desk's mapping is gone, the
		// others stay, and the audit says so.
		if privileged() != 1 {
			t.Fatalf("%d privileged mappings before", privileged())
		}
		st := kasuhara.SSOSettings{OrgID: o.org.ID, Issuer: "https://idp.attacker.example", ClientID: "k", Domains: []string{"acme.co.jp"}, GroupsClaim: "groups", Required: true}
		if err := s.SaveSSO(ctx, o.actor, st); err != nil {
			t.Fatal(err)
		}
		if n := privileged(); n != 0 {
			t.Fatalf("%d desk or legal mappings survived the admin's new provider", n)
		}
		if gs, _ := s.GroupRoles(ctx, o.actor, o.org.ID); len(gs) != 4 {
			t.Fatalf("the other mappings: %+v", gs)
		}
		var detail string
		if err := db.Read.QueryRowContext(ctx, "SELECT detail FROM audit_entries WHERE action = 'sso.settings' ORDER BY seq DESC LIMIT 1").Scan(&detail); err != nil ||
			!strings.Contains(detail, `"privileged_groups_removed":1`) {
			t.Fatalf("audit of the new provider: %s %v", detail, err)
		}
		// Saving again without changing the provider keeps a new mapping;
		// the operator changing the provider keeps it too.
		mapDesk()
		st.Required = false
		if err := s.SaveSSO(ctx, o.actor, st); err != nil || privileged() != 1 {
			t.Fatalf("the same provider saved again: %d mappings, %v", privileged(), err)
		}
		st.Issuer = "https://login.example.co.jp"
		if err := s.SaveSSO(ctx, kasuhara.CLIActor, st); err != nil || privileged() != 1 {
			t.Fatalf("the operator's new provider: %d mappings, %v", privileged(), err)
		}
	})
}
