package web_test

import (
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testoidc"
)

// TestSSOCannotTakeOverAnotherOrganisation replays issue 23's account
// takeover through a real provider: the admin of organisation "evil" runs
// a provider whose person has the address of acme's admin. Evil cannot
// claim acme's domain, and settings that claim it anyway (saved before
// the check) sign nobody in as acme's admin: the sign-in is refused, no
// session, nothing linked, acme's memberships untouched.
func TestSSOCannotTakeOverAnotherOrganisation(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		victim := e.users[kasuhara.RoleAdmin]
		p := testoidc.New("evil-client", "evil-secret-1", ssoCallback)
		t.Cleanup(p.Close)
		p.AddPerson(testoidc.Person{Subject: "mallory-1", Username: "mallory", Password: "pw-mallory", Email: victim.Email,
			Given: "M", Family: "Allory", Groups: []string{"Staff"}})
		evil, err := e.st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "evil", Name: "Evil"})
		if err != nil {
			t.Fatal(err)
		}
		mallory, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "mallory@evil.example", Name: "Mallory", Password: password,
			OrgID: evil.ID, Role: kasuhara.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		evilAdmin := kasuhara.Actor{UserID: mallory.ID, OrgID: evil.ID, Role: kasuhara.RoleAdmin}
		if err := e.st.SaveSSO(ctx, e.actor(kasuhara.RoleAdmin), kasuhara.SSOSettings{OrgID: e.org.ID, Issuer: "https://idp.acme.example",
			ClientID: "acme", Domains: []string{"acme.example"}, GroupsClaim: "groups"}); err != nil {
			t.Fatal(err)
		}
		st := kasuhara.SSOSettings{OrgID: evil.ID, Issuer: p.Issuer, ClientID: "evil-client", ClientSecret: "evil-secret-1",
			Domains: []string{"acme.example"}, GroupsClaim: "groups"}
		if err := e.st.SaveSSO(ctx, evilAdmin, st); kasuhara.ErrorFields(err)["domains"].Code != kasuhara.FieldTaken {
			t.Fatalf("evil claimed acme's domain: %v", err)
		}
		// Settings saved before the check: evil's provider for acme's domain.
		st.Domains = []string{"evil.example"}
		if err := e.st.SaveSSO(ctx, evilAdmin, st); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sso_settings SET domains = 'acme.example' WHERE org_id = $1", evil.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.AddGroupRole(ctx, evilAdmin, kasuhara.GroupRole{OrgID: evil.ID, Group: "Staff", Role: kasuhara.RoleAdmin}); err != nil {
			t.Fatal(err)
		}

		c := e.client()
		res := c.post("/login/sso", url.Values{"org": {"evil"}})
		m := regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]+)">`).FindStringSubmatch(res.body)
		if res.status != http.StatusOK || m == nil {
			t.Fatalf("start: %d %s", res.status, res.body)
		}
		jar, _ := cookiejar.New(nil)
		back, err := testoidc.SignIn(&http.Client{Jar: jar, Timeout: 10 * time.Second}, html.UnescapeString(m[1]), "mallory", "pw-mallory", ssoCallback)
		if err != nil {
			t.Fatal(err)
		}
		res = c.get("/login/sso/callback?" + back.RawQuery)
		must(t, res, http.StatusForbidden, `id="sso-link-refused"`, "このメールアドレスのアカウントがすでにあります")
		mustNot(t, res, victim.ID)
		if res := c.get("/"); res.status != http.StatusSeeOther {
			t.Fatalf("the attacker is signed in: %d", res.status)
		}
		var linked int
		if err := e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM external_identities WHERE user_id = $1", victim.ID).Scan(&linked); err != nil || linked != 0 {
			t.Fatalf("%d subjects linked to acme's admin (%v)", linked, err)
		}
		if ms, _ := e.st.Memberships(ctx, victim.ID); len(ms) != 1 || ms[0].OrgID != e.org.ID || ms[0].Role != kasuhara.RoleAdmin {
			t.Fatalf("acme's admin's memberships: %+v", ms)
		}
	})
}
