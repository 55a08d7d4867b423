package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/web"
)

func TestSignInAndOut(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		c := e.client()
		// Not signed in: the home page sends to the sign-in page.
		r := c.get("/")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("GET / signed out: %d %s", r.status, r.header.Get("Location"))
		}
		must(t, c.get("/login"), 200, `<form class="form" method="post" action="/login"`)
		c.signInAs(kasuhara.RoleDesk)
		home := c.get("/")
		must(t, home, 200, "User desk", "相談窓口")
		mustNot(t, home, `href="/admin/users"`)
		must(t, c.post("/logout", nil), http.StatusSeeOther)
		r = c.get("/")
		if r.status != http.StatusSeeOther {
			t.Fatalf("after sign-out GET / = %d, want a redirect to /login", r.status)
		}
		wantNewestAudit(t, e, e.users[kasuhara.RoleDesk].ID, "auth.login")
	})
}

// wantNewestAudit fails unless the newest audit entry about objectID
// records action.
func wantNewestAudit(t *testing.T, e *env, objectID, action string) {
	t.Helper()
	es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: objectID})
	if err != nil || len(es) == 0 || es[0].Action != action {
		t.Fatalf("the newest audit entry of %s is not %s: %+v, %v", objectID, action, es, err)
	}
}

func TestWrongPasswordAndValidation(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	r := c.signIn("desk@acme.example", "wrong password")
	must(t, r, http.StatusUnauthorized, `id="flash"`, "メールアドレスまたはパスワードが正しくありません")
	if c.sessionCookie() != "" {
		t.Fatal("a failed sign-in set a session cookie")
	}
	r = c.signIn("", "")
	must(t, r, http.StatusUnprocessableEntity, "has-error", "入力してください")
	// An unknown address answers exactly like a wrong password.
	r2 := c.signIn("nobody@acme.example", "wrong password")
	if r2.status != http.StatusUnauthorized {
		t.Fatalf("unknown address: %d", r2.status)
	}
	wantNewestAudit(t, e, e.users[kasuhara.RoleDesk].ID, "auth.login_failed")
}

func TestLoginThrottling(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	var statuses []int
	for range 10 {
		statuses = append(statuses, c.signIn("desk@acme.example", "wrong password").status)
	}
	want := "401 401 401 401 401 429 429 429 429 429"
	if got := strings.Trim(fmt.Sprint(statuses), "[]"); got != want {
		t.Fatalf("statuses %s, want %s", got, want)
	}
	// While throttled even the right password is refused, with Retry-After.
	r := c.signIn("desk@acme.example", password)
	must(t, r, http.StatusTooManyRequests, "ログインの失敗が続いた")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if c.sessionCookie() != "" {
		t.Fatal("a throttled sign-in set a session")
	}
	// Another account from the same client is not yet blocked…
	c.signInAs(kasuhara.RoleLegal)
	// …but a client spraying many accounts is, after 20 failures in all
	// (5 of them above: throttled attempts do not count).
	c2 := e.client()
	blockedAt := -1
	for i := range 25 {
		if r := c2.signIn(fmt.Sprintf("nobody%d@acme.example", i), "wrong password"); r.status == http.StatusTooManyRequests {
			blockedAt = i
			break
		}
	}
	if blockedAt != 15 {
		t.Fatalf("the client was throttled at attempt %d, want after 20 failures in all (attempt 15)", blockedAt)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	form := url.Values{"email": {"desk@acme.example"}, "password": {password}}.Encode()
	for _, hdr := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
	} {
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
		r := c.do("POST", "/login", strings.NewReader(form), hdr)
		if r.status != http.StatusForbidden {
			t.Fatalf("cross-site POST with %v: %d, want 403", hdr, r.status)
		}
	}
	if c.sessionCookie() != "" {
		t.Fatal("a cross-site sign-in created a session")
	}
	// A signed-in user's session survives a cross-site sign-out attempt.
	c.signInAs(kasuhara.RoleDesk)
	r := c.do("POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-site logout: %d", r.status)
	}
	must(t, c.get("/"), 200, "User desk")
	// Same-origin browser requests pass.
	r = c.do("POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.url})
	if r.status != http.StatusSeeOther {
		t.Fatalf("same-origin logout: %d", r.status)
	}
}

func TestSessionRenewedAtSignIn(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.signedIn(kasuhara.RoleDesk)
	first := c.sessionCookie()
	if first == "" {
		t.Fatal("no session cookie")
	}
	// Signing in again on the same browser issues a new id and retires the old.
	c.signInAs(kasuhara.RoleLegal)
	second := c.sessionCookie()
	if second == first {
		t.Fatal("the session id was not renewed at sign-in")
	}
	old := e.client()
	u, _ := url.Parse(e.url)
	old.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "kasuhara_session", Value: first}})
	if r := old.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("the pre-sign-in session id still works: %d", r.status)
	}
}

// The session's clocks are the server's: in a synctest bubble time.Sleep
// moves them at once, and no test waits for real seconds.
func TestSessionTimeouts(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newBubbleEnv(t, func(d *web.Deps) { d.SessionIdle, d.SessionLifetime = time.Second, time.Hour })
			c := e.signedIn(kasuhara.RoleDesk)
			must(t, c.get("/"), 200)
			time.Sleep(900 * time.Millisecond)
			must(t, c.get("/"), 200) // within the idle time, which starts again
			time.Sleep(900 * time.Millisecond)
			must(t, c.get("/"), 200)
			time.Sleep(1100 * time.Millisecond)
			if r := c.get("/"); r.status != http.StatusSeeOther {
				t.Fatalf("after the idle timeout: %d, want a redirect to sign in", r.status)
			}
		})
	})
	t.Run("absolute", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newBubbleEnv(t, func(d *web.Deps) { d.SessionIdle, d.SessionLifetime = 2*time.Second, 2*time.Second })
			c := e.signedIn(kasuhara.RoleDesk)
			// Activity keeps the idle timer fresh but not the absolute one.
			for range 4 {
				must(t, c.get("/"), 200)
				time.Sleep(400 * time.Millisecond)
			}
			must(t, c.get("/"), 200) // 1.6 s
			time.Sleep(500 * time.Millisecond)
			if r := c.get("/"); r.status != http.StatusSeeOther {
				t.Fatalf("after the absolute lifetime: %d, want a redirect to sign in", r.status)
			}
		})
	})
}

func TestDisabledUserLosesSession(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.signedIn(kasuhara.RoleDesk)
	if err := e.st.SetDisabled(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleDesk].ID, true); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("a disabled user's session still works: %d", r.status)
	}
}

func TestOneTimePasswordMustBeChanged(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	pw, err := e.st.ResetPassword(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleEmployee].ID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	r := c.signIn("employee@acme.example", pw)
	if r.header.Get("Location") != "/account/password" {
		t.Fatalf("sign-in with a one-time password goes to %q", r.header.Get("Location"))
	}
	if r := c.get("/"); r.header.Get("Location") != "/account/password" {
		t.Fatalf("home before the change: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, c.get("/account/password"), 200, "一時パスワード")
	// Wrong current password, short new one, mismatch: each names its field.
	must(t, c.post("/account/password", url.Values{"current": {"nope"}, "new": {"a-long-new-password"}, "confirm": {"a-long-new-password"}}),
		422, "現在のパスワードと一致しません")
	must(t, c.post("/account/password", url.Values{"current": {pw}, "new": {"short"}, "confirm": {"short"}}), 422, "12文字以上")
	must(t, c.post("/account/password", url.Values{"current": {pw}, "new": {"a-long-new-password"}, "confirm": {"other-long-password"}}), 422, "一致しません")
	r = c.post("/account/password", url.Values{"current": {pw}, "new": {"a-long-new-password"}, "confirm": {"a-long-new-password"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("change: %d %s %s", r.status, r.header.Get("Location"), r.body)
	}
	must(t, c.get("/"), 200, "パスワードを変更しました")
	c2 := e.client()
	if r := c2.signIn("employee@acme.example", pw); r.status != http.StatusUnauthorized {
		t.Fatalf("the one-time password still works: %d", r.status)
	}
	if r := c2.signIn("employee@acme.example", "a-long-new-password"); r.header.Get("Location") != "/" {
		t.Fatalf("new password: %d %s", r.status, r.header.Get("Location"))
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	big := "email=x&password=" + strings.Repeat("a", web.MaxJSONBytes+10)
	r := c.do("POST", "/login", strings.NewReader(big), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d, want 413", r.status)
	}
}

// TestLogsCarryNoSecrets runs the sign-in, token and password flows and
// checks that no password, token, session id or e-mail address is logged.
func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	c.signIn("desk@acme.example", "wrong-password-in-logs?")
	c.signInAs(kasuhara.RoleDesk)
	sid := c.sessionCookie()
	c.post("/account/password", url.Values{"current": {password}, "new": {"brand-new-password-42"}, "confirm": {"brand-new-password-42"}})
	sid2 := c.sessionCookie()
	_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleDesk].ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	api := e.client()
	api.do("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + tok})
	api.do("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer ksh_wrong-token-value"})
	api.do("GET", "/admin/users?org=secret-org-slug&phone=090-1234-5678", nil, nil)
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /login"`) {
		t.Fatalf("expected request logs, got:\n%s", logs)
	}
	for _, secret := range []string{password, "wrong-password-in-logs", "brand-new-password-42", sid, sid2, tok, tok[4:],
		"ksh_wrong-token-value", "desk@acme.example", "090-1234-5678", "secret-org-slug", "User desk"} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Fatalf("the log contains %q:\n%s", secret, logs)
		}
	}
}

// TestPasswordChangeEndsOtherSessions: a change of password ends every other
// session and revokes every API token of the user, keeping the session that
// changed it; an admin's reset ends them all (issue 16, finding 10).
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	here, there := e.client(), e.client()
	here.signInAs(kasuhara.RoleEmployee)
	there.signInAs(kasuhara.RoleEmployee)
	api := e.api(kasuhara.RoleEmployee)
	must(t, api.call("GET", "/api/v1/cases", nil), http.StatusOK)
	r := here.post("/account/password", url.Values{"current": {password}, "new": {"a-long-new-password"}, "confirm": {"a-long-new-password"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("change: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, here.get("/"), http.StatusOK)
	if r := there.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("another session survived the change of password: %d", r.status)
	}
	must(t, api.call("GET", "/api/v1/cases", nil), http.StatusUnauthorized)

	// An admin's reset ends the user's every session and token.
	api = e.api(kasuhara.RoleEmployee)
	if _, err := e.st.ResetPassword(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleEmployee].ID); err != nil {
		t.Fatal(err)
	}
	if r := here.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("a session survived the reset: %d", r.status)
	}
	must(t, api.call("GET", "/api/v1/cases", nil), http.StatusUnauthorized)
}

// behindProxy trusts the test's loopback address as a reverse proxy.
func behindProxy(d *web.Deps) {
	d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

// from makes c's requests come, through the trusted proxy, from addr.
func from(c *client, addr string) *client { c.header.Set("X-Forwarded-For", addr); return c }

// TestLoginThrottleSparesTheOwner: wrong passwords from anywhere do not lock
// the account: they block the pair of account and address, and slow the
// account down for other addresses, while its owner signs in from their own
// address (issue 16, finding 9).
func TestLoginThrottleSparesTheOwner(t *testing.T) {
	e := newEnv(t, sqldb.SQLite, behindProxy)
	owner := from(e.client(), "203.0.113.5")
	owner.signInAs(kasuhara.RoleDesk)
	// One address: five failures, then the pair is blocked.
	attacker := from(e.client(), "198.51.100.1")
	var statuses []int
	for range 7 {
		statuses = append(statuses, attacker.signIn("desk@acme.example", "wrong password").status)
	}
	if got := strings.Trim(fmt.Sprint(statuses), "[]"); got != "401 401 401 401 401 429 429" {
		t.Fatalf("one address: %s", got)
	}
	// Many addresses: the account is slowed down, with a short Retry-After.
	slowed := false
	for i := range 20 {
		r := from(e.client(), fmt.Sprintf("198.51.100.%d", 10+i)).signIn("desk@acme.example", "wrong password")
		if r.status == http.StatusTooManyRequests {
			slowed = true
			if ra := r.header.Get("Retry-After"); ra == "" || len(ra) > 2 {
				t.Fatalf("Retry-After %q", ra)
			}
		}
	}
	if !slowed {
		t.Fatal("the account was not slowed down")
	}
	// The owner signs in from their own address all the same.
	from(e.client(), "203.0.113.5").signInAs(kasuhara.RoleDesk)
	// The client address comes from the proxy only when the peer is a
	// trusted proxy; without one, X-Forwarded-For is ignored.
	plain := newEnv(t, sqldb.SQLite)
	for i := range 5 {
		from(plain.client(), fmt.Sprintf("192.0.2.%d", i)).signIn("legal@acme.example", "wrong password")
	}
	if r := from(plain.client(), "192.0.2.99").signIn("legal@acme.example", password); r.status != http.StatusTooManyRequests {
		t.Fatalf("an untrusted X-Forwarded-For was believed: %d", r.status)
	}
}
