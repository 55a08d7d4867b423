package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/totp"
	"github.com/kasuhara/kasuhara/internal/web"
)

// codeAt is the code of secret for the step n steps after now's: each
// sign-in takes a later step, as a person waiting for the next code does.
func codeAt(secret []byte, n int64) string { return totp.CodeAt(secret, totp.StepAt(time.Now())+n) }

// enrolDirect sets up TOTP for u in the store (the step of now is taken)
// and returns its key and recovery codes.
func enrolDirect(t *testing.T, e *env, u *kasuhara.User, org *kasuhara.Org, role kasuhara.Role) ([]byte, []string) {
	t.Helper()
	a := kasuhara.Actor{UserID: u.ID, OrgID: org.ID, Role: role}
	if err := e.st.BeginTOTP(ctx, a); err != nil {
		t.Fatal(err)
	}
	secret, err := e.st.PendingTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := e.st.ConfirmTOTP(ctx, a, codeAt(secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	return secret, codes
}

// signedInWithCode enrols u's second factor and signs u in on a new client
// with a password and a code.
func signedInWithCode(t *testing.T, e *env, u *kasuhara.User, role kasuhara.Role) *client {
	t.Helper()
	secret, _ := enrolDirect(t, e, u, e.org, role)
	c := e.client()
	must(t, c.signIn(u.Email, password), http.StatusSeeOther)
	must(t, c.post("/login/code", url.Values{"code": {codeAt(secret, 1)}}), http.StatusSeeOther)
	must(t, c.get("/"), http.StatusOK)
	return c
}

// The default rule: desk, legal and admin must set up a second factor,
// and do nothing else before; then sign-in asks for the code, takes each
// code once and each recovery code once; API tokens are unaffected.
func TestTwoFactorRequiredByDefault(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		org, err := e.st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "tf", Name: "二要素 株式会社"})
		if err != nil {
			t.Fatal(err)
		}
		users := map[kasuhara.Role]*kasuhara.User{}
		for _, r := range []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleEmployee} {
			users[r], err = e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: string(r) + "@tf.example", Name: "TF " + string(r),
				Password: password, OrgID: org.ID, Role: r})
			if err != nil {
				t.Fatal(err)
			}
		}
		// An employee is not asked.
		emp := e.client()
		must(t, emp.signIn("employee@tf.example", password), http.StatusSeeOther)
		must(t, emp.get("/"), http.StatusOK)

		desk := e.client()
		if r := desk.signIn("desk@tf.example", password); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Fatalf("password: %d %s", r.status, r.header.Get("Location"))
		}
		for _, p := range []string{"/", "/cases", "/account/sessions", "/admin/users"} {
			if r := desk.get(p); r.status != http.StatusSeeOther || r.header.Get("Location") != "/account/two-factor" {
				t.Fatalf("GET %s before set-up: %d %s, want the set-up page", p, r.status, r.header.Get("Location"))
			}
		}
		// The API with a token is not asked.
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, users[kasuhara.RoleDesk].ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		must(t, (&apiClient{c: e.client(), tok: tok}).call("GET", "/api/v1/me", nil), http.StatusOK)

		page := desk.get("/account/two-factor")
		must(t, page, http.StatusOK, `id="two-factor-required"`, `id="two-factor-start"`)
		mustNot(t, page, "<svg") // a GET makes no key
		must(t, desk.post("/account/two-factor/start", nil), http.StatusSeeOther)
		page = desk.get("/account/two-factor")
		must(t, page, http.StatusOK, "<svg", `id="two-factor-key"`)
		a := kasuhara.Actor{UserID: users[kasuhara.RoleDesk].ID, OrgID: org.ID, Role: kasuhara.RoleDesk}
		secret, err := e.st.PendingTOTP(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		// The key typed out is the key.
		if !strings.Contains(strings.ReplaceAll(page.body, " ", ""), totp.Encode(secret)) {
			t.Fatal("the page does not show the key for typing")
		}
		wrong := "000000"
		if wrong == codeAt(secret, 0) || wrong == codeAt(secret, 1) || wrong == codeAt(secret, -1) {
			wrong = "999999"
		}
		must(t, desk.post("/account/two-factor/confirm", url.Values{"code": {wrong}}), http.StatusUnprocessableEntity, "確認コードが正しくないか")
		must(t, desk.post("/account/two-factor/confirm", url.Values{"code": {""}}), http.StatusUnprocessableEntity)
		must(t, desk.get("/"), http.StatusSeeOther) // still not on
		done := desk.post("/account/two-factor/confirm", url.Values{"code": {codeAt(secret, 0)}})
		must(t, done, http.StatusOK, `id="recovery-codes"`)
		tf, err := e.st.TwoFactor(ctx, a.UserID)
		if err != nil || !tf.Enabled || tf.RecoveryLeft != 10 {
			t.Fatalf("after set-up: %+v %v", tf, err)
		}
		var codes []string
		list := done.body[strings.Index(done.body, `id="recovery-codes"`):]
		list = list[:strings.Index(list, "</ol>")]
		for _, part := range strings.Split(list, "<code>")[1:] {
			codes = append(codes, part[:strings.Index(part, "</code>")])
		}
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes shown, want 10", len(codes))
		}
		must(t, desk.get("/"), http.StatusOK)
		// The codes are shown once: the page does not show them again.
		mustNot(t, desk.get("/account/two-factor"), codes[0])

		// Signing in now asks for the code after the password.
		c := e.client()
		r := c.signIn("desk@tf.example", password)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login/code" {
			t.Fatalf("password of a person with a second factor: %d %s", r.status, r.header.Get("Location"))
		}
		must(t, c.get("/login/code"), http.StatusOK, `autocomplete="one-time-code"`)
		if r := c.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("signed in with the password alone: %d %s", r.status, r.header.Get("Location"))
		}
		must(t, c.post("/login/code", url.Values{"code": {wrong}}), http.StatusUnauthorized, "確認コードが正しくないか")
		// The code that turned it on is taken already.
		must(t, c.post("/login/code", url.Values{"code": {codeAt(secret, 0)}}), http.StatusUnauthorized)
		next := codeAt(secret, 1)
		if r := c.post("/login/code", url.Values{"code": {next}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Fatalf("right code: %d %s", r.status, r.header.Get("Location"))
		}
		must(t, c.get("/"), http.StatusOK)
		// The same code on another browser, within its window: refused.
		c2 := e.client()
		must(t, c2.signIn("desk@tf.example", password), http.StatusSeeOther)
		must(t, c2.post("/login/code", url.Values{"code": {next}}), http.StatusUnauthorized, "確認コードが正しくないか")
		// A recovery code works once.
		must(t, c2.post("/login/code", url.Values{"code": {codes[0]}}), http.StatusSeeOther)
		must(t, c2.get("/"), http.StatusOK)
		c3 := e.client()
		must(t, c3.signIn("desk@tf.example", password), http.StatusSeeOther)
		must(t, c3.post("/login/code", url.Values{"code": {codes[0]}}), http.StatusUnauthorized, "確認コードが正しくないか")
		// Without the password first, the code page leads back to sign in.
		if r := e.client().post("/login/code", url.Values{"code": {codes[1]}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("a code without a password: %d %s", r.status, r.header.Get("Location"))
		}
		// Wrong codes are throttled per account.
		c4 := e.client()
		must(t, c4.signIn("desk@tf.example", password), http.StatusSeeOther)
		var statuses []int
		for range 6 {
			statuses = append(statuses, c4.post("/login/code", url.Values{"code": {wrong}}).status)
		}
		if got := fmt.Sprint(statuses); !strings.HasSuffix(got, "429]") {
			t.Fatalf("wrong codes: %s, want the last ones refused with 429", got)
		}
		must(t, c4.post("/login/code", url.Values{"code": {codes[2]}}), http.StatusTooManyRequests)
	})
}

// Issue 16: failures from many addresses slow an account down; its owner,
// with the right password and a right code, is not slowed. Without the
// code, or with a wrong one or a wrong password, the answer stays 429.
func TestSecondFactorLiftsTheSlowDown(t *testing.T) {
	e := newEnv(t, sqldb.SQLite, behindProxy)
	desk := e.users[kasuhara.RoleDesk]
	secret, _ := enrolDirect(t, e, desk, e.org, kasuhara.RoleDesk)
	for i := range 20 {
		from(e.client(), fmt.Sprintf("198.51.100.%d", 10+i)).signIn(desk.Email, "wrong password")
	}
	owner := func() *client { return from(e.client(), "203.0.113.77") }
	r := owner().signIn(desk.Email, password)
	must(t, r, http.StatusTooManyRequests, `id="code"`) // the page offers the code field
	wrong := "000000"
	if wrong == codeAt(secret, 1) || wrong == codeAt(secret, 0) || wrong == codeAt(secret, -1) {
		wrong = "999999"
	}
	for _, f := range []url.Values{
		{"email": {desk.Email}, "password": {password}, "code": {wrong}},
		{"email": {desk.Email}, "password": {"wrong password"}, "code": {codeAt(secret, 1)}},
	} {
		must(t, owner().post("/login", f), http.StatusTooManyRequests)
	}
	c := owner()
	r = c.post("/login", url.Values{"email": {desk.Email}, "password": {password}, "code": {codeAt(secret, 1)}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("right password and code while slowed: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, c.get("/cases"), http.StatusOK)
}

func TestAdminResetsSecondFactorAndEndsSessions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		desk := e.users[kasuhara.RoleDesk]
		signedInWithCode(t, e, desk, kasuhara.RoleDesk)
		// Only an administrator resets it.
		emp := e.signedIn(kasuhara.RoleEmployee)
		if r := emp.post("/admin/users/"+desk.ID+"/reset-two-factor?org=acme", nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Fatalf("an employee reset a second factor: %d", r.status)
		}
		if tf, _ := e.st.TwoFactor(ctx, desk.ID); !tf.Enabled {
			t.Fatal("a refused reset removed the second factor")
		}
		// A desk member's needs a second person: the admin's reset is a
		// request, which a legal member approves (or the operator resets
		// it: kasuhara user reset-two-factor).
		admin := e.signedIn(kasuhara.RoleAdmin)
		must(t, admin.post("/admin/users/"+desk.ID+"/reset-two-factor?org=acme", nil), http.StatusSeeOther)
		if tf, _ := e.st.TwoFactor(ctx, desk.ID); !tf.Enabled {
			t.Fatal("the admin alone removed a desk member's second factor")
		}
		legal := kasuhara.Actor{UserID: e.users[kasuhara.RoleLegal].ID, OrgID: e.org.ID, Role: kasuhara.RoleLegal}
		pending, err := e.st.PendingGrants(ctx, legal)
		if err != nil || len(pending) != 1 || pending[0].Kind != kasuhara.GrantTwoFactor || pending[0].UserID != desk.ID || !pending[0].MayDecide {
			t.Fatalf("legal's pending grants = %+v, %v", pending, err)
		}
		must(t, e.signedIn(kasuhara.RoleLegal).get("/approvals"), http.StatusOK, "2段階認証のリセット（本人が次回ログイン時に設定し直します）")
		if _, err := e.st.DecideGrant(ctx, legal, pending[0].ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if tf, _ := e.st.TwoFactor(ctx, desk.ID); tf.Enabled {
			t.Fatal("the approved reset left a desk member's second factor on")
		}
		// A supervisor's the admin resets.
		sup := e.users[kasuhara.RoleSupervisor]
		sc := signedInWithCode(t, e, sup, kasuhara.RoleSupervisor)
		must(t, admin.post("/admin/users/"+sup.ID+"/reset-two-factor?org=acme", nil), http.StatusSeeOther)
		if tf, _ := e.st.TwoFactor(ctx, sup.ID); tf.Enabled {
			t.Fatal("the second factor survived its reset")
		}
		if r := sc.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("the user's session survived the reset: %d", r.status)
		}
		// No second factor: the reset says so.
		must(t, admin.post("/admin/users/"+sup.ID+"/reset-two-factor?org=acme", nil), http.StatusConflict)
		// The admin signs a user out everywhere.
		other := e.signedIn(kasuhara.RoleLegal)
		must(t, admin.post("/admin/users/"+e.users[kasuhara.RoleLegal].ID+"/end-sessions?org=acme", nil), http.StatusSeeOther)
		if r := other.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("the legal member's session survived: %d", r.status)
		}
		must(t, admin.get("/"), http.StatusOK)
		if r := emp.post("/admin/users/"+desk.ID+"/end-sessions?org=acme", nil); r.status < 400 {
			t.Fatalf("an employee ended another's sessions: %d", r.status)
		}
	})
}

func TestOwnSessionsPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		pc := e.client()
		pc.header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
		pc.signInAs(kasuhara.RoleDesk)
		phone := e.client()
		phone.header.Set("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
		phone.signInAs(kasuhara.RoleDesk)
		someoneElse := e.signedIn(kasuhara.RoleLegal)
		r := pc.get("/account/sessions")
		must(t, r, http.StatusOK, "Chrome / Windows", "Safari / iPhone", "この端末")
		// No address, no session id, no other person's session.
		mustNot(t, r, "127.0.0.1", pc.sessionCookie(), phone.sessionCookie(), e.users[kasuhara.RoleDesk].ID)
		if strings.Count(r.body, "<tr") != 3 { // the head and two sessions
			t.Fatalf("%d rows, want two sessions", strings.Count(r.body, "<tr")-1)
		}
		must(t, pc.post("/account/sessions/end-others", nil), http.StatusSeeOther)
		if r := phone.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("the other session survived: %d", r.status)
		}
		must(t, pc.get("/"), http.StatusOK)
		must(t, someoneElse.get("/"), http.StatusOK)
	})
}

// The organisation's idle and absolute lifetimes end a session, counted on
// every request, on both engines (the server's clock is moved; the
// session store's own bounds, 8 and 72 hours, are far off).
func TestOrgSessionLifetimes(t *testing.T) {
	var offset atomic.Int64
	onEachEngine(t, func(t *testing.T, e *env) {
		offset.Store(0)
		sleep := func(d time.Duration) { offset.Add(int64(d)) }
		if err := e.st.SaveSignInSettings(ctx, kasuhara.CLIActor, e.org.ID, kasuhara.SignInSettings{SessionIdleMinutes: 10, SessionLifetimeHours: 1}); err != nil {
			t.Fatal(err)
		}
		c := e.signedIn(kasuhara.RoleDesk)
		for range 6 { // 9 minutes apart: idle never runs out; 54 minutes in all
			sleep(9 * time.Minute)
			must(t, c.get("/"), http.StatusOK)
		}
		sleep(7 * time.Minute) // 61 minutes since sign-in
		if r := c.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("after the organisation's lifetime: %d", r.status)
		}
		// Ended, not merely refused once: the session is gone from the list.
		if list, err := e.st.OwnSessions(ctx, e.actor(kasuhara.RoleDesk), ""); err != nil || len(list) != 0 {
			t.Fatalf("sessions after the lifetime: %+v, %v", list, err)
		}
		c = e.signedIn(kasuhara.RoleDesk)
		sleep(9 * time.Minute)
		must(t, c.get("/"), http.StatusOK)
		sleep(11 * time.Minute)
		if r := c.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("after the organisation's idle time: %d", r.status)
		}
	}, clockOption(&offset), func(d *web.Deps) { d.SessionIdle, d.SessionLifetime = 8*time.Hour, 72*time.Hour })
}

// Re-authentication before the most sensitive actions: a GET shows the
// form, which comes back to the action; a POST's form carries its fields
// and carries the action out. A token is not asked.
func TestReauthBeforeSensitiveActions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newBubbleEnv(t)
		legal := e.signedIn(kasuhara.RoleLegal)
		must(t, legal.get("/api/v1/exports/stats.csv"), http.StatusOK) // just signed in
		time.Sleep(11 * time.Minute)
		r := legal.get("/api/v1/exports/stats.csv")
		must(t, r, http.StatusUnauthorized, `name="reauth_password"`, `action="/account/reauth"`)
		must(t, legal.post("/account/reauth", url.Values{"next": {"/api/v1/exports/stats.csv"}, "reauth_password": {"wrong password"}}),
			http.StatusUnauthorized, "現在のパスワードと一致しません")
		r = legal.post("/account/reauth", url.Values{"next": {"/api/v1/exports/stats.csv"}, "reauth_password": {password}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/api/v1/exports/stats.csv" {
			t.Fatalf("re-authenticated: %d %s", r.status, r.header.Get("Location"))
		}
		must(t, legal.get("/api/v1/exports/stats.csv"), http.StatusOK)

		// A POST: the rule is not added before the password, then is.
		time.Sleep(11 * time.Minute)
		rule := url.Values{"state": {"closed"}, "verdict": {"legitimate_complaint"}, "keep_months": {"24"}}
		r = legal.post("/retention/rules", rule)
		must(t, r, http.StatusUnauthorized, `action="/retention/rules"`, `name="keep_months" value="24"`)
		rules, err := e.st.RetentionRules(ctx, e.actor(kasuhara.RoleLegal))
		if err != nil || len(rules) != 0 {
			t.Fatalf("a rule was added before re-authentication: %v %v", rules, err)
		}
		rule.Set("reauth_password", password)
		must(t, legal.post("/retention/rules", rule), http.StatusSeeOther)
		if rules, _ := e.st.RetentionRules(ctx, e.actor(kasuhara.RoleLegal)); len(rules) != 1 || rules[0].KeepMonths != 24 {
			t.Fatalf("rules after re-authentication: %+v", rules)
		}
		// An API token is not asked.
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleLegal].ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		must(t, (&apiClient{c: e.client(), tok: tok}).call("GET", "/api/v1/exports/stats.csv", nil), http.StatusOK)

		// With a second factor, a code will do instead of the password:
		// a wrong one is named in its field, the right one is taken.
		secret, _ := enrolDirect(t, e, e.users[kasuhara.RoleLegal], e.org, kasuhara.RoleLegal)
		time.Sleep(11 * time.Minute)
		must(t, legal.get("/api/v1/exports/stats.csv"), http.StatusUnauthorized, `name="reauth_code"`)
		wrong := "000000"
		if wrong == codeAt(secret, 0) {
			wrong = "111111"
		}
		r = legal.post("/account/reauth", url.Values{"next": {"/api/v1/exports/stats.csv"}, "reauth_code": {wrong}})
		must(t, r, http.StatusUnauthorized)
		if !regexp.MustCompile(`name="reauth_code"[^>]*>\s*<p class="field-error">確認コードが正しくないか`).MatchString(r.body) {
			t.Fatalf("a wrong code is not named in its field:\n%s", r.body)
		}
		r = legal.post("/account/reauth", url.Values{"next": {"/api/v1/exports/stats.csv"}, "reauth_code": {codeAt(secret, 0)}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/api/v1/exports/stats.csv" {
			t.Fatalf("re-authenticated with a code: %d %s", r.status, r.header.Get("Location"))
		}
	})
}

// Issue 23's most sensitive actions each ask a browser's session to
// re-authenticate once its last proof is older than ten minutes, and do
// nothing before: approving a measure (the web form; the API with the
// session's cookie is refused), the evidence and referral package, and the
// audit trail's CSV. An API token is not asked (a credential of its own,
// see docs/api.md).
func TestReauthGuardsEachSensitiveAction(t *testing.T) {
	var offset atomic.Int64
	onEachEngine(t, func(t *testing.T, e *env) {
		offset.Store(int64(-15 * time.Minute))
		emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
		legal := e.api(kasuhara.RoleLegal)
		measure := func(name, phone string) (string, string) {
			t.Helper()
			body := validReport()
			body["customer"] = map[string]string{"name": name, "phone": phone}
			r := emp.call("POST", "/api/v1/reports", body)
			must(t, r, 201)
			list := desk.call("GET", "/api/v1/customers?q="+url.QueryEscape(name), nil)
			id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(list.body)[1]
			r = legal.call("POST", "/api/v1/customers/"+id+"/measures", map[string]any{"level": "discontinued", "reason": "再三の警告後も継続",
				"review_at": time.Now().AddDate(0, 3, 0).Format(time.RFC3339),
				"checks":    map[string]string{"axes": "威圧的な態様が続く", "accommodation": "申出はない", "duty_to_serve": "提供義務はない"}})
			must(t, r, 201)
			return id, decode(t, r.body)["id"].(string)
		}
		custA, measureA := measure("鈴木 一郎", "080-9999-0000")
		custB, measureB := measure("田中 次郎", "080-8888-0000")
		approver, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@acme.example", Name: "Legal Two", Password: password, OrgID: e.org.ID, Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, approver.ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		approverAPI := &apiClient{c: e.client(), tok: tok}
		l2 := e.client()
		must(t, l2.signIn(approver.Email, password), http.StatusSeeOther)
		deskWeb, adminWeb := e.signedIn(kasuhara.RoleDesk), e.signedIn(kasuhara.RoleAdmin)
		r := emp.call("POST", "/api/v1/reports", validReport())
		must(t, r, 201)
		caseNo := decode(t, r.body)["id"].(string)

		// Fifteen minutes later.
		offset.Store(0)
		status := func(cust string) resp {
			t.Helper()
			return desk.call("GET", "/api/v1/customers/"+cust, nil)
		}

		// Approving a measure: the form comes back with its comment, and
		// the measure stays proposed.
		approve := "/customers/" + custA + "/measures/" + measureA + "/approve"
		r = l2.post(approve, url.Values{"comment": {"記録を確認済み"}})
		must(t, r, http.StatusUnauthorized, `name="reauth_password"`, `action="`+approve+`"`, `name="comment" value="記録を確認済み"`)
		mustNot(t, status(custA), `"approved_by"`)
		// The API with the session's cookie is refused, not carried out.
		cookieAPI := func() resp {
			t.Helper()
			return l2.do("POST", "/api/v1/customers/"+custA+"/measures/"+measureA+"/approve", strings.NewReader(`{"comment":"x"}`), map[string]string{"Content-Type": "application/json"})
		}
		must(t, cookieAPI(), http.StatusForbidden, `"code":"forbidden"`)
		mustNot(t, status(custA), `"approved_by"`)
		must(t, l2.post(approve, url.Values{"comment": {"記録を確認済み"}, "reauth_password": {password}}), http.StatusSeeOther)
		must(t, status(custA), http.StatusOK, `"approved_by":"`+approver.ID+`"`, `"approval_comment":"記録を確認済み"`)
		// Re-authenticated, the same API call reaches the service (which
		// finds the measure approved already): the refusal was the
		// re-authentication's.
		if r := cookieAPI(); r.status == http.StatusForbidden || r.status < 400 {
			t.Fatalf("the cookie's API call after re-authentication: %d %s", r.status, r.body)
		}
		// An API token is not asked.
		must(t, approverAPI.call("POST", "/api/v1/customers/"+custB+"/measures/"+measureB+"/approve", map[string]any{"comment": "確認済み"}), 200, `"status":"active"`)

		// The evidence and referral package.
		pkg := "/cases/" + caseNo + "/package"
		r = deskWeb.get(pkg)
		must(t, r, http.StatusUnauthorized, `name="reauth_password"`, `name="next" value="`+pkg+`"`)
		if ct := r.header.Get("Content-Type"); strings.Contains(ct, "zip") {
			t.Fatalf("a package was sent before re-authentication: %s", ct)
		}
		r = desk.call("GET", "/api/v1/cases/"+caseNo+"/package", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("a token's package: %d %s", r.status, r.header.Get("Content-Type"))
		}
		must(t, deskWeb.post("/account/reauth", url.Values{"next": {pkg}, "reauth_password": {password}}), http.StatusSeeOther)
		if r := deskWeb.get(pkg); r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("the package after re-authentication: %d %s", r.status, r.header.Get("Content-Type"))
		}

		// The audit trail's CSV: nothing exported, nothing recorded, before.
		exports := func() int {
			t.Helper()
			es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID, Action: "export.audit_csv"})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		r = adminWeb.get("/admin/audit.csv")
		must(t, r, http.StatusUnauthorized, `name="reauth_password"`)
		if strings.Contains(r.header.Get("Content-Type"), "csv") || exports() != 0 {
			t.Fatalf("the trail was exported before re-authentication: %s, %d recorded", r.header.Get("Content-Type"), exports())
		}
		must(t, adminWeb.post("/account/reauth", url.Values{"next": {"/admin/audit.csv"}, "reauth_password": {password}}), http.StatusSeeOther)
		if r := adminWeb.get("/admin/audit.csv"); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "csv") || exports() != 1 {
			t.Fatalf("the CSV after re-authentication: %d %s, %d recorded", r.status, r.header.Get("Content-Type"), exports())
		}
	}, clockOption(&offset))
}
