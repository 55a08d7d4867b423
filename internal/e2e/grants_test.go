package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestGrantJourney: the admin asks for a desk member and sees no password;
// legal approves on a phone; the person sets their own password through
// the link (here the operator's, as the server has no mail) and signs in.
func TestGrantJourney(t *testing.T) {
	srv := startServer(t)
	legalPW := addUser(t, srv, "legal@example.jp", "法務 花子", "legal", "")
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	admin := newBrowser(t, srv)
	firstSignIn(t, admin, srv.AdminEmail, srv.AdminPassword, "ja")
	admin.open("/admin/users")
	admin.fill("#user-name", "新 窓口")
	admin.fill("#user-email", "new.desk@example.jp")
	admin.choose("#user-role", "desk")
	wantStatus(t, admin.submit("#create-user"), http.StatusAccepted, "ask for a desk member")
	if got, want := admin.text(".flash"), msg(t, "ja", "admin.users.grant_requested"); got != want {
		t.Errorf("the admin is told %q, want %q", got, want)
	}
	if admin.has("#one-time-password") {
		t.Fatal("the admin was shown a password for a desk member")
	}

	legal := newBrowser(t, srv)
	for _, v := range []struct {
		name string
		w, h int64
	}{{"desktop", 1366, 900}, {"phone-320", 320, 640}, {"phone", 390, 844}} {
		if v.w < 600 {
			legal.run("emulate "+v.name, chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
		} else {
			legal.run("emulate "+v.name, chromedp.EmulateViewport(v.w, v.h))
		}
		if v.name == "desktop" {
			wantStatus(t, signIn(t, legal, "legal@example.jp", legalPW), http.StatusOK, "legal signs in")
		}
		legal.open("/grant-requests")
		checkFits(t, legal, "/grant-requests at "+v.name)
		if shots != "" {
			legal.fullScreenshot(shots, "grant-requests-"+v.name)
		}
	}
	legal.fill("#grant-requests input[name=comment]", "内線で本人確認")
	wantStatus(t, legal.submit(`#grant-requests form[action$="/approve"] button.btn-primary`), http.StatusOK, "approve")
	if got, want := legal.text(".flash"), msg(t, "ja", "grants.approved"); got != want {
		t.Errorf("legal is told %q, want %q", got, want)
	}

	out, err := exec.Command(binary, "user", "link", "--data", srv.cmd.Args[3], "--email", "new.desk@example.jp", "--base-url", srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("kasuhara user link: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`/account/setup/(\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no link: %s", out)
	}
	srv.secret("a password link's token", string(m[1]))
	person := newBrowser(t, srv)
	person.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	wantStatus(t, person.open("/account/setup/"+string(m[1])), http.StatusOK, "open the link")
	checkFits(t, person, "/account/setup")
	if shots != "" {
		person.fullScreenshot(shots, "account-setup-phone")
	}
	pw := newPassword(t)
	srv.secret("a password", pw)
	person.fill("#new", pw)
	person.fill("#confirm", pw)
	person.submit("#setup-submit")
	wantPath(t, person, "/login", "after setting the password")
	wantStatus(t, signIn(t, person, "new.desk@example.jp", pw), http.StatusOK, "the new desk member signs in")
	wantPath(t, person, "/", "after signing in")
	if !person.has("#nav-queue") {
		t.Error("the approved desk member has no case queue")
	}
}
