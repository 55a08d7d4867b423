package web_test

import (
	"net/http"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestIdentifyRefusals: who is asking is read in one statement on every
// request and kept nowhere, so each change of the person's standing is
// refused on the very next request, by token and by session: a revoked
// token, a disabled user, a role taken away, a membership removed; and a
// person of another organisation never sees the case.
func TestIdentifyRefusals(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk := e.users[kasuhara.RoleDesk]
		emp := e.actor(kasuhara.RoleEmployee)
		c := e.file(t, emp, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "大声で怒鳴られた", Consultation: true})
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, desk.ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		bearer := map[string]string{"Authorization": "Bearer " + tok}
		api := e.client()
		browser := e.signedIn(kasuhara.RoleDesk)
		apiGet := func(path string) resp { t.Helper(); return api.do("GET", path, nil, bearer) }

		// Before: both see the case.
		must(t, apiGet("/api/v1/cases/"+c.ID), http.StatusOK, c.Ref)
		must(t, apiGet("/api/v1/cases?limit=50"), http.StatusOK, c.Ref)
		must(t, browser.get("/cases"), http.StatusOK, c.Ref)

		// Another organisation's desk: not found, and not in its list.
		subDesk, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk@retail.example", Name: "Retail Desk",
			Password: password, OrgID: e.sub.ID, Role: kasuhara.RoleDesk})
		if err != nil {
			t.Fatal(err)
		}
		_, subTok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, subDesk.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		subBearer := map[string]string{"Authorization": "Bearer " + subTok}
		must(t, api.do("GET", "/api/v1/cases/"+c.ID, nil, subBearer), http.StatusNotFound)
		r := api.do("GET", "/api/v1/cases?limit=50", nil, subBearer)
		must(t, r, http.StatusOK)
		mustNot(t, r, c.ID, c.Ref)

		// The role taken away: an employee has no queue.
		if err := e.st.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: desk.ID, OrgID: e.org.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		r = apiGet("/api/v1/cases/" + c.ID)
		if r.status == http.StatusOK {
			t.Errorf("token after the role was taken away: %d, want a refusal", r.status)
		}
		mustNot(t, r, c.Ref)
		r = browser.get("/cases")
		must(t, r, http.StatusForbidden)
		mustNot(t, r, c.Ref)
		must(t, apiGet("/api/v1/me"), http.StatusOK, `"role":"employee"`)
		testdb.Exec(t, e.db, "UPDATE memberships SET role = 'desk' WHERE user_id = $1", desk.ID)
		must(t, apiGet("/api/v1/cases/"+c.ID), http.StatusOK, c.Ref)

		// The membership removed: no organisation, refused.
		testdb.Exec(t, e.db, "DELETE FROM memberships WHERE user_id = $1", desk.ID)
		r = apiGet("/api/v1/cases/" + c.ID)
		must(t, r, http.StatusForbidden)
		mustNot(t, r, c.Ref)
		r = browser.get("/cases")
		must(t, r, http.StatusForbidden)
		mustNot(t, r, c.Ref)
		testdb.Exec(t, e.db, "INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, 'desk', $3)", desk.ID, e.org.ID, e.srvNow())
		must(t, apiGet("/api/v1/cases/"+c.ID), http.StatusOK, c.Ref)
		must(t, browser.get("/cases"), http.StatusOK, c.Ref)

		// Disabled behind the token's back (not revoked): the token is
		// refused and the session ended.
		testdb.Exec(t, e.db, "UPDATE users SET disabled = TRUE WHERE id = $1", desk.ID)
		r = apiGet("/api/v1/cases/" + c.ID)
		must(t, r, http.StatusUnauthorized)
		mustNot(t, r, c.Ref)
		r = browser.get("/cases")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fcases" {
			t.Errorf("disabled user's session: %d %s, want the sign-in page", r.status, r.header.Get("Location"))
		}
		testdb.Exec(t, e.db, "UPDATE users SET disabled = FALSE WHERE id = $1", desk.ID)
		must(t, apiGet("/api/v1/cases/"+c.ID), http.StatusOK, c.Ref)
		if r := browser.get("/cases"); r.status != http.StatusSeeOther {
			t.Errorf("the ended session came back: %d", r.status)
		}

		// Revoked: refused on the next request.
		ts, err := e.st.Tokens(ctx, desk.ID)
		if err != nil || len(ts) != 1 {
			t.Fatalf("tokens %+v, %v", ts, err)
		}
		if err := e.st.RevokeToken(ctx, kasuhara.CLIActor, desk.ID, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		r = apiGet("/api/v1/cases/" + c.ID)
		must(t, r, http.StatusUnauthorized)
		mustNot(t, r, c.Ref)
	})
}
