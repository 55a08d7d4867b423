package store_test

import (
	"reflect"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestIdentity: who is asking, read in one statement, is what the three
// statements it replaced read (the user, the oldest membership, its
// organisation), and every refusal takes effect on the next look-up:
// nothing is kept between requests.
func TestIdentity(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		f := setup(t, db)
		s := f.s
		other, err := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "other", Name: "Other 株式会社", ParentSlug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		desk, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk@example.jp", Name: "窓口 一郎",
			Password: "desk-password-12", OrgID: f.org.ID, Role: kasuhara.RoleDesk})
		if err != nil {
			t.Fatal(err)
		}
		// A second, newer membership of another organisation: the oldest
		// one decides.
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: desk.ID, OrgID: other.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := s.CreateToken(ctx, kasuhara.CLIActor, desk.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}

		// What the three statements read.
		wantUser, err := s.UserByID(ctx, desk.ID)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := s.Memberships(ctx, desk.ID)
		if err != nil || len(ms) != 2 {
			t.Fatalf("memberships %+v, %v", ms, err)
		}
		wantOrg, err := s.OrgByID(ctx, ms[0].OrgID)
		if err != nil {
			t.Fatal(err)
		}
		want := &kasuhara.Identity{User: wantUser, Membership: ms[0], Org: wantOrg}
		for name, get := range map[string]func() (*kasuhara.Identity, error){
			"token":   func() (*kasuhara.Identity, error) { return s.TokenIdentity(ctx, secret) },
			"session": func() (*kasuhara.Identity, error) { return s.UserIdentity(ctx, desk.ID) },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got.Org.ID != f.org.ID || got.Membership.Role != kasuhara.RoleDesk {
				t.Errorf("%s: organisation %s as %s, want the oldest membership (acme, desk)", name, got.Org.Slug, got.Membership.Role)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\ngot  %+v %+v %+v\nwant %+v %+v %+v", name, got.User, got.Membership, got.Org, want.User, want.Membership, want.Org)
			}
		}
		if _, err := s.UserIdentity(ctx, "no-such-user"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("unknown user: %v, want not found", err)
		}

		// A role changed is seen at once.
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: desk.ID, OrgID: f.org.ID, Role: kasuhara.RoleSupervisor}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TokenIdentity(ctx, secret); err != nil || got.Membership.Role != kasuhara.RoleSupervisor {
			t.Errorf("after the role changed: %+v, %v; want supervisor", got, err)
		}

		// The oldest membership removed: the next one decides; all removed:
		// no organisation (refused by the web), but still the user.
		testdb.Exec(t, db, "DELETE FROM memberships WHERE user_id = $1 AND org_id = $2", desk.ID, f.org.ID)
		if got, err := s.TokenIdentity(ctx, secret); err != nil || got.Org == nil || got.Org.ID != other.ID || got.Membership.Role != kasuhara.RoleEmployee {
			t.Errorf("after the oldest membership was removed: %+v, %v; want other as employee", got, err)
		}
		testdb.Exec(t, db, "DELETE FROM memberships WHERE user_id = $1", desk.ID)
		for name, get := range map[string]func() (*kasuhara.Identity, error){
			"token":   func() (*kasuhara.Identity, error) { return s.TokenIdentity(ctx, secret) },
			"session": func() (*kasuhara.Identity, error) { return s.UserIdentity(ctx, desk.ID) },
		} {
			got, err := get()
			if err != nil || got.User.ID != desk.ID || got.Org != nil || got.Membership != (kasuhara.Membership{}) {
				t.Errorf("%s without a membership: %+v, %v; want the user without organisation", name, got, err)
			}
		}
		if err := s.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: desk.ID, OrgID: other.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}

		// A user disabled behind the token's back (as an import or a
		// directory might): the token is refused though not revoked.
		testdb.Exec(t, db, "UPDATE users SET disabled = TRUE WHERE id = $1", desk.ID)
		if _, err := s.TokenIdentity(ctx, secret); kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
			t.Errorf("disabled user's token: %v, want unauthenticated", err)
		}
		// The session's look-up returns the disabled user, whom the web
		// signs out.
		if got, err := s.UserIdentity(ctx, desk.ID); err != nil || !got.User.Disabled {
			t.Errorf("disabled user's session: %+v, %v; want the user, disabled", got, err)
		}
		testdb.Exec(t, db, "UPDATE users SET disabled = FALSE WHERE id = $1", desk.ID)
		if _, err := s.TokenIdentity(ctx, secret); err != nil {
			t.Fatalf("enabled again: %v", err)
		}

		// A revoked token, a malformed or unknown one.
		ts, _ := s.Tokens(ctx, desk.ID)
		if err := s.RevokeToken(ctx, kasuhara.CLIActor, desk.ID, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{secret, "", "ksh_", secret + "x", "Bearer " + secret} {
			if got, err := s.TokenIdentity(ctx, bad); got != nil || kasuhara.ErrorCode(err) != kasuhara.EUNAUTH {
				t.Errorf("token %q: %+v, %v; want unauthenticated", bad, got, err)
			}
		}
	})
}
