package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// newPassword returns a fresh password that the server cannot have seen.
func newPassword(t *testing.T) string {
	b := make([]byte, 9)
	rand.Read(b)
	return "e2e-Pw-" + hex.EncodeToString(b)
}

// wantPath fails the test unless the browser is on path.
func wantPath(t *testing.T, b *browser, path, when string) {
	t.Helper()
	if got := b.path(); got != path {
		t.Fatalf("%s: the browser is on %s, want %s", when, got, path)
	}
}

func wantStatus(t *testing.T, resp *network.Response, status int64, when string) {
	t.Helper()
	if resp.Status != status {
		t.Errorf("%s: status %d, want %d (%s)", when, resp.Status, status, resp.URL)
	}
}

// header returns a response header, whatever the case of its name.
func header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// signedIn is a new browser signed in as email.
func signedIn(t *testing.T, srv *server, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, srv)
	wantStatus(t, signIn(t, b, email, password), http.StatusOK, email+" signs in")
	return b
}

// signIn fills and submits the sign-in form.
func signIn(t *testing.T, b *browser, email, password string) *network.Response {
	t.Helper()
	b.open("/login")
	b.fill("#email", email)
	b.fill("#password", password)
	resp := b.submit("#login-submit")
	b.session()
	return resp
}

// signOut clicks the sign-out button and expects the sign-in page.
func signOut(t *testing.T, b *browser) {
	t.Helper()
	b.session() // the cookie that is about to end must not be logged either
	b.openMenu()
	resp := b.submit("#signout")
	wantStatus(t, resp, http.StatusOK, "sign out")
	wantPath(t, b, "/login", "after signing out")
	if b.has("#signout") {
		t.Fatalf("after signing out the page still has a sign-out button")
	}
}

// changePassword fills and submits the password form.
func changePassword(t *testing.T, b *browser, current, next, confirm string) *network.Response {
	t.Helper()
	b.fill("#current", current)
	b.fill("#new", next)
	b.fill("#confirm", confirm)
	return b.submit("#password-submit")
}

// firstSignIn signs in with a one-time password, is sent to the password
// page, chooses a new password and lands on home. It returns the new password.
func firstSignIn(t *testing.T, b *browser, email, oneTime, lang string) string {
	t.Helper()
	resp := signIn(t, b, email, oneTime)
	wantStatus(t, resp, http.StatusOK, "sign in with the one-time password")
	wantPath(t, b, "/account/password", "after signing in with a one-time password")
	if got, want := b.text(".flash-warn"), msg(t, lang, "password.must_change"); got != want {
		t.Fatalf("the password page warns %q, want %q", got, want)
	}
	pw := newPassword(t)
	b.srv.secret("a chosen password", pw)
	resp = changePassword(t, b, oneTime, pw, pw)
	wantStatus(t, resp, http.StatusOK, "change the password")
	wantPath(t, b, "/", "after changing the password")
	b.session() // renewed on the password change
	return pw
}

// adminAtHome starts a server and a browser, and signs the administrator in
// with a password of their own.
func adminAtHome(t *testing.T) (*server, *browser, string) {
	t.Helper()
	srv := startServer(t)
	b := newBrowser(t, srv)
	pw := firstSignIn(t, b, srv.AdminEmail, srv.AdminPassword, "ja")
	return srv, b, pw
}

// 1. The first sign-in with the one-time password forces a new password.
func TestFirstSignInForcesPasswordChange(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, srv)

	// Signed out, home sends to the sign-in page, in Japanese.
	resp := b.open("/")
	wantStatus(t, resp, http.StatusOK, "GET / signed out")
	wantPath(t, b, "/login", "GET / signed out")
	if got := b.lang(); got != "ja" {
		t.Errorf(`<html lang=%q> for Accept-Language: ja, want "ja"`, got)
	}
	if got, want := b.text("h1"), msg(t, "ja", "login.title"); got != want {
		t.Errorf("the sign-in page's heading is %q, want %q", got, want)
	}

	resp = signIn(t, b, srv.AdminEmail, srv.AdminPassword)
	wantStatus(t, resp, http.StatusOK, "sign in")
	wantPath(t, b, "/account/password", "after signing in with the one-time password")
	if got, want := b.text(".flash-warn"), msg(t, "ja", "password.must_change"); got != want {
		t.Errorf("the password page warns %q, want %q", got, want)
	}
	// Nothing else is reachable before the password is changed.
	for _, p := range []string{"/", "/admin/users", "/admin/audit"} {
		b.open(p)
		wantPath(t, b, "/account/password", "GET "+p+" before changing the one-time password")
	}

	// A mismatched confirmation changes nothing.
	pw := newPassword(t)
	srv.secret("the new password", pw)
	resp = changePassword(t, b, srv.AdminPassword, pw, pw+"x")
	wantStatus(t, resp, http.StatusUnprocessableEntity, "a confirmation that does not match")
	wantPath(t, b, "/account/password", "after a confirmation that does not match")
	if !b.has("#confirm + .field-error, .has-error #confirm") {
		t.Errorf("no error is shown at the confirmation field")
	}
	if !b.has(".flash-warn") {
		t.Errorf("after a refused change the warning that the password must change is gone")
	}

	resp = changePassword(t, b, srv.AdminPassword, pw, pw)
	wantStatus(t, resp, http.StatusOK, "change the password")
	wantPath(t, b, "/", "after changing the password")
	wantFlash(t, b, "password.changed", "ok")
	if got := b.text("#role"); got != "管理者" {
		t.Errorf("role badge %q, want 管理者", got)
	}
	if got := b.lang(); got != "ja" {
		t.Errorf(`<html lang=%q>, want "ja"`, got)
	}
	if !b.has(`nav a[href="/admin/users"]`) {
		t.Errorf("the administrator's menu has no link to /admin/users")
	}
	b.session()

	// The flash is shown once.
	b.open("/")
	if b.has("#flash") {
		t.Errorf("the flash %q is shown again on the next page", b.text("#flash"))
	}

	// The one-time password no longer works; the new one does.
	signOut(t, b)
	resp = signIn(t, b, srv.AdminEmail, srv.AdminPassword)
	wantStatus(t, resp, http.StatusUnauthorized, "sign in with the used one-time password")
	wantPath(t, b, "/login", "after signing in with the used one-time password")
	resp = signIn(t, b, srv.AdminEmail, pw)
	wantStatus(t, resp, http.StatusOK, "sign in with the new password")
	wantPath(t, b, "/", "after signing in with the new password")
	if b.has(".flash-warn") {
		t.Errorf("the password warning is still shown after the change")
	}
}

// 2. The language switch changes the page and is stored on the user.
func TestLanguageSwitchPersistsOnUser(t *testing.T) {
	srv, b, pw := adminAtHome(t)

	b.choose("#lang-select", "en")
	resp := b.submit("#lang-submit")
	wantStatus(t, resp, http.StatusOK, "switch to English")
	wantPath(t, b, "/", "after switching to English")
	if got := b.lang(); got != "en" {
		t.Errorf(`after switching to English <html lang=%q>, want "en"`, got)
	}
	if got := b.text("#role"); got != "Administrator" {
		t.Errorf("after switching to English the role badge says %q, want Administrator", got)
	}
	if got, want := b.text("nav"), msg(t, "en", "nav.home"); !strings.Contains(got, want) {
		t.Errorf("the English menu %q lacks %q", got, want)
	}
	if c := b.cookies()["lang"]; c == nil || c.Value != "en" {
		t.Errorf("lang cookie %+v, want en", c)
	}

	// The setting is the user's: a browser without the cookie, asking for
	// Japanese, still gets English once this user signs in.
	signOut(t, b)
	b.clearCookies()
	b.open("/login")
	if got := b.lang(); got != "ja" {
		t.Errorf(`signed out with no cookie and Accept-Language: ja, <html lang=%q>, want "ja"`, got)
	}
	signIn(t, b, srv.AdminEmail, pw)
	wantPath(t, b, "/", "after signing in again")
	if got := b.lang(); got != "en" {
		t.Errorf(`after signing in again <html lang=%q>, want the stored "en"`, got)
	}
	if got := b.text("#role"); got != "Administrator" {
		t.Errorf("after signing in again the role badge says %q, want Administrator", got)
	}

	// Back to Japanese, on another page: the switch returns to that page.
	b.open("/admin/users")
	b.choose("#lang-select", "ja")
	resp = b.submit("#lang-submit")
	wantStatus(t, resp, http.StatusOK, "switch to Japanese")
	wantPath(t, b, "/admin/users", "after switching to Japanese on /admin/users")
	if got := b.lang(); got != "ja" {
		t.Errorf(`after switching to Japanese <html lang=%q>, want "ja"`, got)
	}
	if got, want := b.text("h1"), msg(t, "ja", "admin.users.title"); got != want {
		t.Errorf("heading %q, want %q", got, want)
	}

	// And that is stored too: a browser asking for English gets Japanese
	// once this user signs in.
	signOut(t, b)
	b.clearCookies()
	b.setAcceptLanguage("en-US,en;q=0.9")
	b.open("/login")
	if got := b.lang(); got != "en" {
		t.Errorf(`signed out with Accept-Language: en-US, <html lang=%q>, want "en"`, got)
	}
	signIn(t, b, srv.AdminEmail, pw)
	wantPath(t, b, "/", "after signing in with an English browser")
	if got := b.lang(); got != "ja" {
		t.Errorf(`the user's Japanese setting lost to Accept-Language: <html lang=%q>, want "ja"`, got)
	}
	if got := b.text("#role"); got != "管理者" {
		t.Errorf("role badge %q, want 管理者", got)
	}
}

// 3. Signing out ends the session on the server, not only in the browser.
func TestSignOutEndsSession(t *testing.T) {
	srv, b, _ := adminAtHome(t)

	resp := b.open("/")
	if cc := header(resp, "Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("home is sent with Cache-Control %q, want no-store", cc)
	}
	old := b.session()
	if old == "" {
		t.Fatalf("signed in, the browser has no %s cookie", sessionCookie)
	}
	if c := b.cookies()[sessionCookie]; !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
		t.Errorf("the session cookie is not HttpOnly and SameSite=Lax: %+v", c)
	}

	signOut(t, b)
	if v := b.session(); v == old {
		t.Errorf("after signing out the browser still holds the old session cookie")
	}
	b.open("/")
	wantPath(t, b, "/login", "GET / after signing out")
	if b.has("#role") {
		t.Errorf("home contents shown after signing out")
	}

	// The back button must not show home again: no-store pages are fetched
	// again, and the server sends to the sign-in page.
	for i := 1; i <= 2; i++ {
		b.run("back", chromedp.NavigateBack())
		if b.has("#role") || b.has("#signout") {
			t.Errorf("going back %d page(s) after signing out shows a signed-in page (%s)", i, b.path())
		}
		if got := b.path(); got != "/login" {
			t.Errorf("going back %d page(s) after signing out, the browser is on %s, want /login", i, got)
		}
	}

	// The old cookie, replayed by another client, is worth nothing.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: old})
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Errorf("GET / with the signed-out session cookie: %s to %q, want 303 to /login", r.Status, r.Header.Get("Location"))
	}
}

// 4. A wrong password is refused and grants nothing.
func TestWrongPasswordIsRefused(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, srv)
	wrong := newPassword(t)
	srv.secret("the wrong password", wrong)

	resp := signIn(t, b, srv.AdminEmail, wrong)
	wantStatus(t, resp, http.StatusUnauthorized, "sign in with a wrong password")
	wantPath(t, b, "/login", "after a wrong password")
	wantFlash(t, b, "login.failed", "error")
	if got := value(b, "email", chromedp.Value(chromedp.CSS("#email"))); got != srv.AdminEmail {
		t.Errorf("the e-mail field holds %q after the failure, want it kept", got)
	}
	if got := value(b, "password", chromedp.Value(chromedp.CSS("#password"))); got != "" {
		t.Errorf("the password field is sent back filled in")
	}
	if strings.Contains(value(b, "html", chromedp.OuterHTML(chromedp.CSS("html"))), wrong) {
		t.Errorf("the page contains the wrong password")
	}

	// An unknown address gets the same answer: no account enumeration.
	unknown := "nobody@example.jp"
	srv.secret("an unknown e-mail address", unknown)
	resp = signIn(t, b, unknown, wrong)
	wantStatus(t, resp, http.StatusUnauthorized, "sign in with an unknown address")
	wantFlash(t, b, "login.failed", "error") // the same as for a wrong password

	// Whatever cookie the browser holds now grants no access.
	b.open("/")
	wantPath(t, b, "/login", "GET / after failed sign-ins")
	if b.has("#role") || b.has("#signout") {
		t.Errorf("a failed sign-in shows signed-in contents")
	}
	resp = b.open("/api/v1/me")
	wantStatus(t, resp, http.StatusUnauthorized, "GET /api/v1/me after failed sign-ins")
	if c := b.cookies()[sessionCookie]; c != nil {
		srv.secret("a session cookie", c.Value)
	}
}

// 5. The sign-in page works on a phone.
func TestPhoneViewport(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, srv)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	b.run("emulate a phone", phone)

	b.open("/login")
	if w := eval[float64](b, "window.innerWidth"); w != 390 {
		t.Fatalf("the emulated viewport is %vpx wide, want 390", w)
	}
	checkFits(t, b, "/login")
	type rect struct{ Top, Bottom, Left, Right, Width, Height float64 }
	r := eval[rect](b, `(() => { const r = document.querySelector("#login-submit").getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right, Width: r.width, Height: r.height}; })()`)
	if r.Height < 44 {
		t.Errorf("the sign-in button is %.1fpx tall on a phone, want at least 44", r.Height)
	}
	if r.Left < 0 || r.Right > 390 || r.Width < 44 {
		t.Errorf("the sign-in button is not fully on the 390px screen: %+v", r)
	}
	b.run("sign-in button visible", chromedp.WaitVisible(chromedp.CSS("#login-submit")))
	for _, sel := range []string{"#email", "#password"} {
		if h := eval[float64](b, fmt.Sprintf("document.querySelector(%q).getBoundingClientRect().height", sel)); h < 44 {
			t.Errorf("the field %s is %.1fpx tall on a phone, want at least 44", sel, h)
		}
		// Below 16px, iOS zooms into the page when the field gets the focus.
		if fs := eval[float64](b, fmt.Sprintf("parseFloat(getComputedStyle(document.querySelector(%q)).fontSize)", sel)); fs < 16 {
			t.Errorf("the field %s has a %.1fpx font on a phone, want at least 16", sel, fs)
		}
	}

	dir := t.TempDir()
	p := b.screenshot(dir, "login-phone")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if got := img.Bounds().Dx(); got != 780 {
		t.Errorf("the screenshot is %dpx wide, want 780 (390 at scale 2)", got)
	}

	// Signed in, the pages fit the phone too.
	pw := firstSignIn(t, b, srv.AdminEmail, srv.AdminPassword, "ja")
	for _, p := range []string{"/", "/account/password"} {
		b.open(p)
		checkFits(t, b, p)
	}
	// The members table stacked its rows as cards and its hidden labels
	// stay inside (it was 600px wide on this phone).
	b.open("/admin/users")
	checkFits(t, b, "/admin/users")
	// The header is one row on a phone: the menu is folded, the report
	// button is on the first screen, and sign-out is one tap away.
	if h := eval[float64](b, `document.querySelector("header.topbar").getBoundingClientRect().height`); h > 0.12*844 {
		t.Errorf("the header is %.0fpx tall on a 844px phone, want at most 12%% of the screen", h)
	}
	if r := eval[rect](b, `(() => { const r = document.getElementById("topbar-report").getBoundingClientRect(); return {Left: r.left, Right: r.right, Width: r.width, Bottom: r.bottom}; })()`); r.Width < 44 || r.Right > 390 || r.Bottom > 844 {
		t.Errorf("the report button is not on the first screen of a 390×844 phone: %+v", r)
	}
	if b.has("#signout") && eval[bool](b, `document.getElementById("signout").checkVisibility()`) {
		t.Errorf("sign-out is shown before the menu is opened on a phone: the menu does not fold")
	}
	b.openMenu()
	b.run("sign-out button visible", chromedp.WaitVisible(chromedp.CSS("#signout")))
	checkFits(t, b, "/admin/users with the menu open")
	if shots := os.Getenv("KASUHARA_SCREENSHOTS"); shots != "" {
		b.screenshot(shots, "menu-open-ja-phone")
	}

	if shots := os.Getenv("KASUHARA_SCREENSHOTS"); shots != "" {
		saveScreenshots(t, b, shots, pw, phone)
	}
}

// fit is how a page fits the screen: the page's width, the screen's, and
// the elements that stick out (when the page is wider).
type fit struct {
	Width, Screen float64
	Culprits      []string
}

func measureFit(b *browser) fit {
	b.t.Helper()
	return eval[fit](b, `(() => {
		const de = document.documentElement, w = de.clientWidth;
		const out = [];
		if (de.scrollWidth > w) {
			const clipped = e => {
				for (let p = e.parentElement; p; p = p.parentElement) {
					if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(p).overflowX)) return true;
				}
				return false;
			};
			const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
				(typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".") : "");
			for (const e of document.body.querySelectorAll("*")) {
				const r = e.getBoundingClientRect();
				if ((r.width === 0 && r.height === 0) || r.right <= w + 0.5) continue;
				const escapes = ["absolute", "fixed"].includes(getComputedStyle(e).position);
				if (!escapes && clipped(e)) continue;
				out.push(name(e) + (e.closest(".table-wrap") ? " in .table-wrap" : ""));
			}
		}
		return {Width: de.scrollWidth, Screen: w, Culprits: out};
	})()`)
}

// checkFits fails the test when the page is wider than the screen.
func checkFits(t *testing.T, b *browser, page string) {
	t.Helper()
	if f := measureFit(b); f.Width > f.Screen {
		t.Errorf("%s is %vpx wide on a %vpx screen: it scrolls sideways; sticking out: %v", page, f.Width, f.Screen, f.Culprits)
	}
}

// saveScreenshots saves the sign-in, home and admin pages in both languages,
// on a phone and on a desktop, to dir for a human to look at.
func saveScreenshots(t *testing.T, b *browser, dir, pw string, phone chromedp.Action[chromedp.Void]) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	desktop := chromedp.EmulateViewport(1280, 900)
	for _, v := range []struct {
		name string
		emu  chromedp.Action[chromedp.Void]
	}{{"phone", phone}, {"desktop", desktop}} {
		b.run("emulate "+v.name, v.emu)
		for _, lang := range []string{"ja", "en"} {
			b.open("/")
			b.choose("#lang-select", lang)
			b.openMenu()
			b.submit("#lang-submit")
			for _, p := range []struct{ name, path string }{{"home", "/"}, {"admin-users", "/admin/users"}} {
				b.open(p.path)
				b.fullScreenshot(dir, fmt.Sprintf("%s-%s-%s", p.name, lang, v.name))
			}
			signOut(t, b)
			b.fullScreenshot(dir, fmt.Sprintf("login-%s-%s", lang, v.name))
			signIn(t, b, b.srv.AdminEmail, pw)
		}
	}
	b.run("emulate a phone again", phone)
	t.Logf("screenshots saved in %s", dir)
}

var reOneTime = regexp.MustCompile(`^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$`)

// 6. An administrator creates a user, who signs in and sees only their part.
// (A desk or legal user is not the admin's alone to make: TestGrantJourney.)
func TestAdminCreatesUser(t *testing.T) {
	srv, b, adminPW := adminAtHome(t)
	name, email := "山田 花子", "hanako.yamada@example.jp"
	srv.secret("the new user's e-mail address", email)
	srv.secret("the new user's name", name)

	b.open("/admin/users")
	if b.has("#one-time-password") {
		t.Fatalf("the users page shows a one-time password before any user was created")
	}
	b.run("fill #user-name", chromedp.SetValue(chromedp.CSS("#user-name"), name))
	b.fill("#user-email", email)
	b.choose("#user-role", "supervisor")
	resp := b.submit("#create-user")
	wantStatus(t, resp, http.StatusCreated, "create a user")
	wantPath(t, b, "/admin/users", "after creating a user")
	oneTime := b.text("#one-time-password .secret")
	srv.secret("the new user's one-time password", oneTime)
	if !reOneTime.MatchString(oneTime) {
		t.Fatalf("the one-time password %q does not look like XXXXX-XXXXX-XXXXX-XXXXX", oneTime)
	}
	if got := b.text("#members"); !strings.Contains(got, email) || !strings.Contains(got, name) {
		t.Errorf("the members table does not list the new user:\n%s", got)
	}
	// Shown once: a reload does not show it again.
	b.open("/admin/users")
	if b.has("#one-time-password") || strings.Contains(value(b, "html", chromedp.OuterHTML(chromedp.CSS("html"))), oneTime) {
		t.Errorf("the one-time password is shown again on the next visit")
	}
	// The same address again is refused.
	b.run("fill #user-name again", chromedp.SetValue(chromedp.CSS("#user-name"), name))
	b.fill("#user-email", email)
	resp = b.submit("#create-user")
	wantStatus(t, resp, http.StatusConflict, "create a user with an address in use")
	if b.has("#one-time-password") {
		t.Errorf("a refused creation shows a one-time password")
	}

	signOut(t, b)
	firstSignIn(t, b, email, oneTime, "ja")
	if got := b.text("#role"); got != "上司" {
		t.Errorf("the new user's role badge says %q, want 上司", got)
	}
	if !strings.Contains(b.text("h1"), name) {
		t.Errorf("the new user's home greets %q, want their name %q", b.text("h1"), name)
	}
	for _, link := range []string{"/admin/users", "/admin/audit"} {
		if b.has(fmt.Sprintf(`a[href^=%q]`, link)) {
			t.Errorf("the new user (supervisor) sees a link to %s", link)
		}
	}
	resp = b.open("/admin/users")
	wantStatus(t, resp, http.StatusForbidden, "GET /admin/users as supervisor")
	if got, want := b.text("h1"), msg(t, "ja", "error.forbidden"); got != want {
		t.Errorf("the forbidden page's heading is %q, want %q", got, want)
	}
	if b.has("#user-email") || b.has("#members") {
		t.Errorf("the forbidden page shows the users form or list")
	}
	// A hand-made POST is refused as well.
	status := eval[int](b, `fetch("/admin/users", {method: "POST", body: new URLSearchParams({name: "x", email: "x@example.jp", role: "admin"})}).then(r => r.status)`, chromedp.EvalAwaitPromise)
	if status != http.StatusForbidden {
		t.Errorf("POST /admin/users as supervisor answered %d, want 403", status)
	}

	// The administrator sees that no user was created by that POST.
	signOut(t, b)
	signIn(t, b, srv.AdminEmail, adminPW)
	b.open("/admin/users")
	if strings.Contains(b.text("#members"), "x@example.jp") {
		t.Errorf("the refused POST created a user")
	}
}

// The server's defaults that need no browser: the language without any
// preference, and the headers of a page.
func TestServerDefaults(t *testing.T) {
	srv := startServer(t)
	get := func(acceptLanguage string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/login", nil)
		if acceptLanguage != "" {
			req.Header.Set("Accept-Language", acceptLanguage)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.String()
	}
	for _, c := range []struct{ accept, lang string }{{"", "ja"}, {"ja", "ja"}, {"en-US,en;q=0.9", "en"}, {"fr-FR", "ja"}} {
		resp, body := get(c.accept)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login: %s", resp.Status)
		}
		if !strings.Contains(body, fmt.Sprintf(`<html lang="%s">`, c.lang)) {
			t.Errorf("GET /login with Accept-Language %q is not in %s", c.accept, c.lang)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("GET /login: Cache-Control %q, want no-store", cc)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "X-Request-Id"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("GET /login has no %s header", h)
			}
		}
	}
}
