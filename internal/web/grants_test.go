package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// TestAdminCannotGiveItselfTheCases is issue 16's finding 2 through the
// pages: the admin created a desk user, was shown its one-time password,
// signed in as it and read the confidential case. Now the page shows no
// password, the person stays an employee until legal approves, and only
// the person sets the password, through the mailed link.
func TestAdminCannotGiveItselfTheCases(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	emp := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, emp, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "秘密の相談", Consultation: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetConfidential(ctx, emp, c.ID, true); err != nil {
		t.Fatal(err)
	}
	admin := e.signedIn(kasuhara.RoleAdmin)
	r := admin.post("/admin/users?org=acme", url.Values{"name": {"新 窓口"}, "email": {"new.desk@acme.example"}, "role": {"desk"}})
	must(t, r, http.StatusAccepted, "法務・人事の承認を依頼しました")
	mustNot(t, r, `id="one-time-password"`, `class="secret"`)
	u, err := e.st.UserByEmail(ctx, "new.desk@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if ms, _ := e.st.Memberships(ctx, u.ID); ms[0].Role != kasuhara.RoleEmployee {
		t.Fatalf("role before approval = %s", ms[0].Role)
	}
	// Raising an employee and resetting a desk member's password wait too.
	must(t, admin.post("/admin/users/"+e.users[kasuhara.RoleAnalyst].ID+"/membership?org=acme", url.Values{"role": {"legal"}}), http.StatusSeeOther)
	if ms, _ := e.st.Memberships(ctx, e.users[kasuhara.RoleAnalyst].ID); ms[0].Role != kasuhara.RoleAnalyst {
		t.Fatalf("the analyst became %s without approval", ms[0].Role)
	}
	r = admin.post("/admin/users/"+e.users[kasuhara.RoleDesk].ID+"/reset-password?org=acme", nil)
	must(t, r, http.StatusSeeOther)
	mustNot(t, admin.get("/admin/users?org=acme"), `id="one-time-password"`)
	if _, err := e.st.Authenticate(ctx, e.users[kasuhara.RoleDesk].Email, password); err != nil {
		t.Fatalf("the desk member's password changed before approval: %v", err)
	}
	must(t, admin.post("/admin/users/"+e.users[kasuhara.RoleDesk].ID+"/reset-password?org=acme", nil), http.StatusConflict, "すでに承認待ち")
	// The admin sees the requests and cannot decide them.
	r = admin.get("/grant-requests")
	must(t, r, 200, "新 窓口", "承認待ち", "別の人が判定します")
	mustNot(t, r, "/approve")
	must(t, admin.get("/admin/audit"), 200, "承認待ちの権限付与：3 件")

	legal := e.signedIn(kasuhara.RoleLegal)
	r = legal.get("/grant-requests")
	must(t, r, 200, "新 窓口", "new.desk@acme.example", "役割「相談窓口」の付与", "User admin")
	ids := regexp.MustCompile(`/grant-requests/([0-9a-f-]+)/approve`).FindAllStringSubmatch(r.body, -1)
	if len(ids) != 3 {
		t.Fatalf("legal may decide %d requests, want 3", len(ids))
	}
	for _, m := range ids {
		must(t, admin.post("/grant-requests/"+m[1]+"/approve", nil), http.StatusForbidden)
	}
	list, _ := e.st.GrantRequests(ctx, e.actor(kasuhara.RoleLegal), e.org.ID)
	for _, g := range list {
		switch g.UserID {
		case u.ID:
			must(t, legal.post("/grant-requests/"+g.ID+"/approve", url.Values{"comment": {"電話で本人確認"}}), http.StatusSeeOther)
		default:
			must(t, legal.post("/grant-requests/"+g.ID+"/reject", nil), http.StatusSeeOther)
		}
	}
	must(t, legal.get("/grant-requests"), 200, "承認済み", "却下", "電話で本人確認", "承認待ちの依頼はありません")
	if ms, _ := e.st.Memberships(ctx, u.ID); ms[0].Role != kasuhara.RoleDesk {
		t.Fatalf("role after approval = %s", ms[0].Role)
	}

	// The link (as the mail job mints it) is the person's way in.
	var linkID string
	if err := e.db.Read.QueryRowContext(ctx, "SELECT id FROM password_links WHERE user_id = $1 AND used_at IS NULL", u.ID).Scan(&linkID); err != nil {
		t.Fatal(err)
	}
	l, err := e.st.MintPasswordLink(ctx, linkID)
	if err != nil {
		t.Fatal(err)
	}
	person := e.client()
	must(t, person.get("/account/setup/"+l.Token), 200, "new.desk@acme.example")
	must(t, person.post("/account/setup/"+l.Token, url.Values{"new": {"my-own-password-1"}, "confirm": {"other-password-1"}}), http.StatusUnprocessableEntity, "一致しません")
	r = person.post("/account/setup/"+l.Token, url.Values{"new": {"my-own-password-1"}, "confirm": {"my-own-password-1"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("setup: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, person.get("/account/setup/"+l.Token), http.StatusNotFound)
	if r := person.signIn("new.desk@acme.example", "my-own-password-1"); r.header.Get("Location") != "/" {
		t.Fatalf("sign in with the own password: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, person.get("/cases/"+c.ID), 200, "秘密の相談")
	// The admin never could.
	must(t, admin.get("/cases/"+c.ID), http.StatusNotFound)
}

// TestGrantRequestsOnApprovals: a grant request waits on /approvals next
// to the measures, with who asked, for whom, what and when, and counts in
// the decider's home and navigation; the decider approves it there with a
// comment and comes back there. The requester sees it without the form,
// the API lists it beside the measures, and roles that decide neither are
// refused.
func TestGrantRequestsOnApprovals(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admin, legal := e.signedIn(kasuhara.RoleAdmin), e.signedIn(kasuhara.RoleLegal)
		emp := e.users[kasuhara.RoleEmployee]
		must(t, admin.post("/admin/users/"+emp.ID+"/membership?org=acme", url.Values{"role": {"desk"}}), http.StatusSeeOther)

		r := legal.get("/approvals")
		must(t, r, 200, `id="grant-approvals"`, emp.Name, emp.Email, "役割「相談窓口」の付与", "User admin", `action="/grant-requests/`, `name="back" value="approvals"`,
			`id="nav-approvals"`, `<span class="badge badge-urgent" id="awaiting">`, `id="measure-approvals"`)
		must(t, legal.get("/"), 200, `id="figure-approvals" data-count="1"`, `id="home-grants"`)
		mustNot(t, legal.get("/"), `id="home-approvals"`)
		m := regexp.MustCompile(`/grant-requests/([0-9a-f-]+)/approve`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no approval form")
		}

		// The requester sees it and may not decide it; the admin reads no measure.
		r = admin.get("/approvals")
		must(t, r, 200, `id="grant-approvals"`, emp.Name, "別の人が判定します", `id="nav-approvals"`)
		mustNot(t, r, `action="/grant-requests/`, `id="measure-approvals"`, `id="awaiting"`)

		api := e.api(kasuhara.RoleLegal)
		r = api.call("GET", "/api/v1/approvals", nil)
		must(t, r, 200, `"approvals":[]`, `"grant_requests":[{`, `"kind":"role"`, `"role":"desk"`, `"may_decide":true`, `"user_name":"`+emp.Name+`"`)
		r = e.api(kasuhara.RoleDesk).call("GET", "/api/v1/approvals", nil)
		must(t, r, 200, `"grant_requests":[]`)
		must(t, e.api(kasuhara.RoleEmployee).call("GET", "/api/v1/approvals", nil), http.StatusForbidden)
		must(t, e.signedIn(kasuhara.RoleEmployee).get("/approvals"), http.StatusForbidden)
		mustNot(t, e.signedIn(kasuhara.RoleDesk).get("/approvals"), `id="grant-approvals"`, `id="nav-approvals"`)

		r = legal.post("/grant-requests/"+m[1]+"/approve", url.Values{"comment": {"電話で本人確認"}, "back": {"approvals"}})
		must(t, r, http.StatusSeeOther)
		if got := r.header.Get("Location"); got != "/approvals#grant-approvals" {
			t.Errorf("after the decision: %q", got)
		}
		r = legal.get("/approvals")
		must(t, r, 200, `id="no-grant-approvals"`, "承認しました")
		mustNot(t, r, `id="awaiting"`)
		if ms, _ := e.st.Memberships(ctx, emp.ID); ms[0].Role != kasuhara.RoleDesk {
			t.Errorf("role after the approval = %s", ms[0].Role)
		}
		// The requester is told; the notice leads to the requests.
		must(t, admin.get("/notifications"), 200, "ご依頼の役割「相談窓口」の付与が承認されました", `href="/grant-requests"`)

		// A reset rejected from the list, with its reason: audited, told.
		must(t, admin.post("/admin/users/"+emp.ID+"/reset-password?org=acme", nil), http.StatusSeeOther)
		m = regexp.MustCompile(`/grant-requests/([0-9a-f-]+)/approve`).FindStringSubmatch(legal.get("/approvals").body)
		if m == nil {
			t.Fatal("no form for the reset")
		}
		r = legal.post("/grant-requests/"+m[1]+"/reject", url.Values{"comment": {"本人に確認できない"}, "back": {"approvals"}})
		must(t, r, http.StatusSeeOther)
		must(t, legal.get("/approvals"), 200, `id="no-grant-approvals"`, "却下しました")
		must(t, admin.get("/notifications"), 200, "ご依頼のパスワード再設定が却下されました")
		es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{Action: "grant.", OrgID: e.org.ID, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		decided := map[string]bool{}
		for _, x := range es {
			if x.ActorID == e.users[kasuhara.RoleLegal].ID {
				decided[x.Action] = strings.Contains(x.Detail, `"comment":true`)
			}
		}
		if !decided["grant.approve"] || !decided["grant.reject"] {
			t.Errorf("the decisions in the audit trail: %v", decided)
		}
	})
}
