package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
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

	admin := newUserForm(t, srv, "新 窓口", "new.desk@example.jp", "desk")
	wantStatus(t, admin.submit("#create-user"), http.StatusAccepted, "ask for a desk member")
	if got, want := admin.text(".flash"), msg(t, "ja", "admin.users.grant_requested"); got != want {
		t.Errorf("the admin is told %q, want %q", got, want)
	}
	if admin.has("#one-time-password") {
		t.Fatal("the admin was shown a password for a desk member")
	}

	legal := newBrowser(t, srv)
	for _, v := range screens {
		legal.emulate(v)
		if !v.phone {
			wantStatus(t, signIn(t, legal, "legal@example.jp", legalPW), http.StatusOK, "legal signs in")
		}
		legal.open("/grant-requests")
		checkFits(t, legal, "/grant-requests at "+v.name)
		if shots != "" {
			legal.fullScreenshot(shots, "grant-requests-"+v.name)
		}
	}
	legal.fill("#grant-requests textarea[name=comment]", "内線で本人確認")
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

// TestGrantApprovedFromApprovals (issues 16 and 19): the admin's request
// for a desk member reaches the second legal member as a notification in
// words, a count on the navigation's approvals link and on the home, and a
// card on /approvals with whom it is for, what and who asked; they approve
// it there with a comment (at 320 px too, without sideways scrolling or
// an internal id) and come back to an empty list.
func TestGrantApprovedFromApprovals(t *testing.T) {
	srv := startServer(t)
	addUser(t, srv, "legal@example.jp", "法務 一郎", "legal", "")
	legal2PW := addUser(t, srv, "legal2@example.jp", "法務 二郎", "legal", "")

	admin := newUserForm(t, srv, "新 窓口", "new.desk@example.jp", "desk")
	wantStatus(t, admin.submit("#create-user"), http.StatusAccepted, "ask for a desk member")

	legal2 := signedIn(t, srv, "legal2@example.jp", legal2PW)
	waitApprovalNotice(t, legal2, "役割「相談窓口」の付与")
	if got := eval[string](legal2, `document.querySelector("#nav-approvals #awaiting")?.textContent ?? ""`); !strings.Contains(got, "1") {
		t.Errorf("the navigation's approvals link counts %q, want 1", got)
	}
	legal2.open("/")
	if got := legal2.text("#home-grants"); got != "承認待ちの権限付与の依頼が 1 件あります" {
		t.Errorf("the approver's home says %q", got)
	}
	if got := legal2.text("#figure-approvals .figure-n"); got != "1" {
		t.Errorf("the home's awaiting figure is %q, want 1", got)
	}
	followNoticeToApprovals(t, legal2)
	card := legal2.text("#grant-approvals section.grant-approval")
	for _, want := range []string{"新 窓口", "new.desk@example.jp", "役割「相談窓口」の付与", "依頼者"} {
		if !strings.Contains(card, want) {
			t.Errorf("the grant's card lacks %q: %s", want, card)
		}
	}
	for _, size := range []screen{screens[2], screens[0]} { // small phone, then the desktop the rest uses
		legal2.emulate(size)
		legal2.open("/approvals")
		checkFits(t, legal2, "/approvals with a grant ("+size.name+")")
		noUUID(t, legal2, "/approvals")
		legal2.openMenu()
		if !legal2.has("#nav-approvals") {
			t.Errorf("no approvals link in the navigation (%s)", size.name)
		}
	}

	legal2.fill("#grant-approvals textarea[name=comment]", "内線で本人確認")
	wantStatus(t, legal2.submit(`#grant-approvals form[action$="/approve"] button.btn-primary`), http.StatusOK, "approve")
	wantPath(t, legal2, "/approvals", "back to the list after approving")
	if got, want := legal2.text(".flash"), msg(t, "ja", "grants.approved"); got != want {
		t.Errorf("legal is told %q, want %q", got, want)
	}
	if !legal2.has("#no-grant-approvals") || legal2.has("#awaiting") {
		t.Errorf("the approved request is still waiting: %s", legal2.text("main"))
	}
	legal2.open("/grant-requests")
	if got := legal2.text("#grant-requests"); !strings.Contains(got, "承認済み") || !strings.Contains(got, "内線で本人確認") {
		t.Errorf("the decision on /grant-requests: %s", got)
	}
}
