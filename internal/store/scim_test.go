package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestSCIMProvisioning(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		o := setupSSO(t, db)
		s := o.s
		tok, secret, err := s.CreateSCIMToken(ctx, o.actor, o.org.ID, "Entra ID")
		if err != nil {
			t.Fatal(err)
		}
		if org, err := s.SCIMTokenOrg(ctx, secret); err != nil || org != o.org.ID {
			t.Fatalf("SCIMTokenOrg = %s, %v", org, err)
		}
		var stored string
		if err := db.Read.QueryRowContext(ctx, "SELECT token_hash FROM scim_tokens").Scan(&stored); err != nil || stored == secret {
			t.Fatalf("token stored as %q (%v)", stored, err)
		}

		u, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "Taro@acme.co.jp", ExternalID: "taro", GivenName: "太郎", FamilyName: "鈴木", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if u.UserName != "taro@acme.co.jp" || u.DisplayName != "鈴木 太郎" || !u.Active {
			t.Fatalf("created %+v", u)
		}
		_, err = s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "taro@acme.co.jp", Active: true})
		wantCode(t, err, kasuhara.ECONFLICT)
		// A userName that is no address needs an e-mail address beside it.
		_, err = s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "not an address", Active: true})
		wantField(t, err, "emails")
		_, err = s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "", Email: "x@acme.co.jp", Active: true})
		wantField(t, err, "userName")
		// The admin, a member already, is linked rather than refused.
		if _, err := s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: o.admin.Email, Active: true}); err != nil {
			t.Fatalf("linking a member: %v", err)
		}
		// Someone of an organisation outside the group is not taken over.
		other, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "outsider@acme.co.jp", Name: "x", Password: "long-enough-pw", OrgID: other.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		_, err = s.SCIMCreateUser(ctx, o.org.ID, kasuhara.SCIMUser{UserName: "outsider@acme.co.jp", Active: true})
		wantCode(t, err, kasuhara.ECONFLICT)

		// Filters.
		got, n, err := s.SCIMUsers(ctx, o.org.ID, kasuhara.SCIMFilter{Attr: "userName", Value: "TARO@acme.co.jp"}, 1, 10)
		if err != nil || n != 1 || got[0].ID != u.ID {
			t.Fatalf("filter userName: %d %+v %v", n, got, err)
		}
		if _, n, _ := s.SCIMUsers(ctx, o.org.ID, kasuhara.SCIMFilter{Attr: "externalId", Value: "taro"}, 1, 10); n != 1 {
			t.Fatalf("filter externalId: %d", n)
		}
		if _, n, _ := s.SCIMUsers(ctx, o.org.ID, kasuhara.SCIMFilter{}, 1, 10); n != 2 {
			t.Fatalf("all: %d", n)
		}

		// A group gives the role through its mapping; removal takes it away.
		g, err := s.SCIMCreateGroup(ctx, o.org.ID, kasuhara.SCIMGroup{DisplayName: "Shinjuku", Members: []kasuhara.SCIMMember{{ID: u.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := s.Memberships(ctx, u.ID)
		if len(ms) != 1 || ms[0].OrgID != o.sub.ID || ms[0].DepartmentID != o.shop.ID {
			t.Fatalf("memberships after the group: %+v", ms)
		}
		if err := s.SCIMChangeMembers(ctx, o.org.ID, g.ID, nil, []string{u.ID}); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.Memberships(ctx, u.ID); len(ms) != 0 {
			t.Fatalf("memberships after removal: %+v", ms)
		}
		wantField(t, s.SCIMChangeMembers(ctx, o.org.ID, g.ID, []string{o.sub.ID}, nil), "members")

		// Deactivation disables the user and revokes their API tokens.
		if err := s.SCIMChangeMembers(ctx, o.org.ID, g.ID, []string{u.ID}, nil); err != nil {
			t.Fatal(err)
		}
		_, apiSecret, err := s.CreateToken(ctx, kasuhara.CLIActor, u.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		off := *u
		off.Active = false
		if _, err := s.SCIMReplaceUser(ctx, o.org.ID, u.ID, off); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenUser(ctx, apiSecret); kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
			t.Fatalf("API token still works: %v", err)
		}
		if du, _ := s.UserByID(ctx, u.ID); !du.Disabled {
			t.Fatal("not disabled")
		}

		// Another organisation's token sees nothing of this one.
		otherTok, otherSecret, err := s.CreateSCIMToken(ctx, kasuhara.CLIActor, other.ID, "")
		if err != nil || otherTok == nil {
			t.Fatal(err)
		}
		otherOrg, _ := s.SCIMTokenOrg(ctx, otherSecret)
		_, err = s.SCIMUser(ctx, otherOrg, u.ID)
		wantCode(t, err, kasuhara.ENOTFOUND)
		wantCode(t, s.SCIMDeleteUser(ctx, otherOrg, u.ID), kasuhara.ENOTFOUND)
		wantCode(t, s.SCIMChangeMembers(ctx, otherOrg, g.ID, nil, []string{u.ID}), kasuhara.ENOTFOUND)

		// Delete: deactivated, out of the group, no longer provisioned.
		if err := s.SCIMDeleteUser(ctx, o.org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.SCIMUser(ctx, o.org.ID, u.ID)
		wantCode(t, err, kasuhara.ENOTFOUND)
		if ms, _ := s.Memberships(ctx, u.ID); len(ms) != 0 {
			t.Fatalf("memberships after delete: %+v", ms)
		}
		if err := s.SCIMDeleteGroup(ctx, o.org.ID, g.ID); err != nil {
			t.Fatal(err)
		}

		// Revoked tokens stop working; every change was audited by the directory.
		if err := s.RevokeSCIMToken(ctx, o.actor, o.org.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.SCIMTokenOrg(ctx, secret)
		wantCode(t, err, kasuhara.EUNAUTH)
		var n2 int
		if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries WHERE actor_label = 'directory' AND action LIKE 'scim.%'").Scan(&n2); err != nil || n2 < 8 {
			t.Fatalf("%d scim audit entries (%v)", n2, err)
		}
	})
}
