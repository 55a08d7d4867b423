package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 18, submit once: a report is filed once however often its form is
// sent — two fast taps, two requests at once, Back and send again, a reload
// of the anonymous receipt page.

// countRows opens path and counts the rows of the table sel.
func countRows(b *browser, path, sel string) int {
	b.t.Helper()
	b.open(path)
	return int(eval[float64](b, fmt.Sprintf("document.querySelectorAll(%q).length", sel+" tbody tr")))
}

// fillReport fills the few required fields of the report form.
func fillReport(b *browser, conduct string) {
	b.t.Helper()
	// A draft of the form before (kept in this browser) is not wanted here.
	b.run("clear the form", chromedp.Evaluate[chromedp.Void](`localStorage.clear(); document.querySelector("#report-form").reset()`))
	b.click(`input[name=channel][value=phone]`)
	b.fill("#conduct", conduct)
	b.click(`details.kind:first-of-type > summary`)
	b.click("#subtype-insult")
}

// sendTwiceAtOnce sends the form #report-form twice in parallel, as two
// taps whose requests both reach the server, and returns the two statuses.
func sendTwiceAtOnce(b *browser) string {
	b.t.Helper()
	return eval[string](b, `(async () => {
		const f = document.querySelector("#report-form");
		const send = () => fetch(f.action, {method: "POST", body: new FormData(f), redirect: "manual"}).then(r => r.type + ":" + r.status);
		const got = await Promise.all([send(), send()]);
		return got.join(",");
	})()`, chromedp.EvalAwaitPromise)
}

// clerkSignedIn starts a server with a shop clerk, signed in on b; pw is
// the clerk's password.
func clerkSignedIn(t *testing.T) (srv *server, b *browser, pw string) {
	t.Helper()
	srv = startServer(t)
	pw = addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	b = newBrowser(t, srv)
	wantStatus(t, signIn(t, b, "clerk@example.jp", pw), http.StatusOK, "sign in")
	return srv, b, pw
}

func TestReportSubmittedOnce(t *testing.T) {
	srv, b, _ := clerkSignedIn(t)

	// Two requests of one form at once file one case.
	b.open("/report")
	fillReport(b, "電話で「無能」と繰り返し言われた（一回目）")
	sendTwiceAtOnce(b)
	if got := countRows(b, "/reports", "#my-reports"); got != 1 {
		t.Errorf("two requests of one form at once filed %d cases, want 1", got)
	}

	// Two taps 5 ms apart: the second does nothing.
	b.open("/report")
	fillReport(b, "電話で「無能」と繰り返し言われた（二回目）")
	b.run("tap twice", chromedp.Evaluate[chromedp.Void](`(() => {
		const btn = document.querySelector("#report-submit");
		btn.click(); setTimeout(() => btn.click(), 5); })()`))
	b.run("wait for the case", chromedp.WaitVisible(chromedp.CSS("#case-state")))
	if !strings.HasPrefix(b.path(), "/cases/") {
		t.Fatalf("after two taps the employee is on %s", b.path())
	}
	caseURL := b.path()

	// Back to the form and send it again: the same case, no new one.
	b.run("back to the form", chromedp.NavigateBack())
	wantPath(t, b, "/report", "Back")
	if eval[string](b, "document.querySelector('#conduct').value") == "" {
		// The browser drew the form anew; fill it as the employee would.
		fillReport(b, "電話で「無能」と繰り返し言われた（二回目）")
	}
	resp := b.submit("#report-submit")
	wantStatus(t, resp, http.StatusOK, "send again after Back")
	if got := b.path(); got != caseURL {
		t.Errorf("send again after Back leads to %s, want the first case %s", got, caseURL)
	}
	if got := countRows(b, "/reports", "#my-reports"); got != 2 {
		t.Errorf("Back and send again: %d cases, want 2", got)
	}
	srv.secret("the narrative", "繰り返し言われた")
}

// The anonymous receipt is kept (issue 18): the filing answers with a
// redirect to the receipt page (post/redirect/get), which shows it once,
// wrapped only between its groups, with copy, download and print, and a
// warning before the page is left; the language switch draws the same
// receipt in the other language; a reload, Back and sending the form again
// file nothing and no longer show it.
func TestAnonymousReceiptIsKept(t *testing.T) {
	srv := startServer(t)
	deskPW := addUser(t, srv, "desk@example.jp", "窓口 一郎", "desk", "")
	anon := newBrowser(t, srv)
	anon.run("emulate a small phone", chromedp.EmulateViewport(320, 700, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	anon.open("/o/default/report")
	fillReport(anon, "電話で「無能」と繰り返し言われた")
	if keys := eval[string](anon, `Object.keys(localStorage).concat(Object.keys(sessionStorage)).filter(k => k.startsWith("kasuhara-draft")).join(",")`); keys != "" {
		t.Errorf("the anonymous form keeps a draft: %s", keys)
	}
	wantStatus(t, anon.submit("#report-submit"), http.StatusOK, "file the anonymous report")
	wantPath(t, anon, "/o/default/receipt", "after filing")
	receipt := anon.text("#receipt")
	srv.secret("the receipt", receipt)
	srv.secret("the receipt without hyphens", strings.ReplaceAll(receipt, "-", ""))
	if strings.Contains(value(anon, "location", chromedp.Location()), strings.ReplaceAll(receipt, "-", "")[:8]) {
		t.Fatal("the receipt is in the URL")
	}
	checkFits(t, anon, "/o/default/receipt")
	// On a 320 px phone the receipt wraps only between groups: every group
	// of four sits on one line.
	if split := eval[int](anon, `Array.from(document.querySelectorAll("#receipt .receipt-group")).filter(g => g.getClientRects().length !== 1).length`); split != 0 {
		t.Errorf("%d groups of the receipt are split across lines", split)
	}
	if n := eval[int](anon, `document.querySelectorAll("#receipt .receipt-group").length`); n != 6 {
		t.Errorf("the receipt shows %d groups, want 6", n)
	}
	// Leaving the page warns while the receipt is not kept.
	leaving := `(() => { const e = new Event("beforeunload", {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`
	if !eval[bool](anon, leaving) {
		t.Errorf("leaving the receipt page does not warn")
	}
	// The download is a small text file with the receipt.
	file := eval[string](anon, `(async () => {
		const f = document.querySelector("#receipt-download");
		const r = await fetch(f.action, {method: "POST", body: new URLSearchParams(new FormData(f))});
		return r.headers.get("Content-Type") + "\n" + r.headers.get("Content-Disposition") + "\n" + await r.text();
	})()`, chromedp.EvalAwaitPromise)
	if !strings.Contains(file, receipt) || !strings.HasPrefix(file, "text/plain") || !strings.Contains(file, "attachment") {
		t.Errorf("the receipt file is %q", file)
	}
	if !anon.has("#receipt-print[data-print]") || anon.has("#receipt-copy[hidden]") {
		t.Errorf("the receipt page lacks print or copy")
	}
	// The language switch draws the same receipt in English.
	anon.choose("#lang-select", "en")
	wantStatus(t, anon.submit("#lang-submit"), http.StatusOK, "switch to English")
	if got := anon.lang(); got != "en" {
		t.Errorf("after the switch the page is in %q", got)
	}
	if got := anon.text("#receipt"); got != receipt {
		t.Errorf("after the language switch the receipt is %q, want %q", got, receipt)
	}
	if !strings.Contains(anon.text("h1"), msg(t, "en", "anon.receipt_title")) {
		t.Errorf("the receipt page is not in English: %s", anon.text("h1"))
	}
	// The copy button says what it did.
	anon.run("copy", chromedp.Evaluate[chromedp.Void](`document.querySelector("#receipt-copy").click()`))
	anon.run("wait for the copy", chromedp.Poll[chromedp.Void](`document.querySelector("#receipt-copy-status").textContent !== ""`))
	if got := anon.text("#receipt-copy-status"); got != msg(t, "en", "anon.copied") && got != msg(t, "en", "anon.copy_failed") {
		t.Errorf("after the copy button the page says %q", got)
	}
	// Once "I have saved my receipt" is ticked, leaving does not warn.
	anon.click("#saved-confirm")
	if eval[bool](anon, leaving) {
		t.Errorf("leaving warns after the receipt was saved")
	}

	// Back to the receipt page (a GET): it no longer shows the receipt,
	// and says the report was filed.
	anon.open("/o/default/receipt")
	if anon.has("#receipt") || !anon.has("#receipt-gone") {
		t.Errorf("a second view of the receipt page: %s", anon.text("main"))
	}
	// The form sent again (Back to it and send) files nothing.
	anon.run("back", chromedp.NavigateBack(), chromedp.NavigateBack())
	if anon.path() == "/o/default/report" && anon.has("#report-submit") {
		if eval[string](anon, "document.querySelector('#conduct').value") == "" {
			fillReport(anon, "電話で「無能」と繰り返し言われた")
		}
		anon.submit("#report-submit")
		if anon.has("#receipt") && anon.text("#receipt") != receipt {
			t.Errorf("Back and send again made a new receipt")
		}
	}
	desk := signedIn(t, srv, "desk@example.jp", deskPW)
	if got := countRows(desk, "/cases", "#queue"); got != 1 {
		t.Errorf("after the receipt page, its reload and Back there are %d anonymous cases, want 1", got)
	}
}

// A deep link opened signed out leads to the sign-in page and, after it, to
// the page asked for; a link to elsewhere leads home.
func TestSignInReturnsToPageAskedFor(t *testing.T) {
	srv, b, pw := clerkSignedIn(t)
	b.open("/report")
	fillReport(b, "電話で「無能」と繰り返し言われた")
	wantStatus(t, b.submit("#report-submit"), http.StatusOK, "file")
	caseURL := b.path()
	signOut(t, b)

	b.open(caseURL)
	wantPath(t, b, "/login", "a deep link signed out")
	b.fill("#email", "clerk@example.jp")
	b.fill("#password", pw)
	wantStatus(t, b.submit("#login-submit"), http.StatusOK, "sign in from the deep link")
	wantPath(t, b, caseURL, "after signing in from a deep link")

	// Another site in next is ignored.
	signOut(t, b)
	b.open("/login?next=" + "%2F%2Fevil.example%2Fcases")
	b.fill("#email", "clerk@example.jp")
	b.fill("#password", pw)
	b.submit("#login-submit")
	wantPath(t, b, "/", "after signing in with another site as next")
	if !strings.HasPrefix(value(b, "location", chromedp.Location()), srv.URL) {
		t.Errorf("sign-in led to another site: %s", value(b, "location", chromedp.Location()))
	}
}

// leave ends the session without signing out (as its expiry would): the
// page is left first, so that no answer still on its way sets the cookie
// again.
func leave(b *browser) {
	b.t.Helper()
	b.run("leave the page", chromedp.Navigate("about:blank"))
	b.clearCookies()
}

// A report's draft belongs to its writer: the next person on the same
// browser sees none, sign-out clears it, and it can be discarded.
func TestDraftBelongsToItsWriter(t *testing.T) {
	srv := startServer(t)
	aPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	bPW := addUser(t, srv, "other@example.jp", "別の 社員", "employee", "新宿店")
	b := newBrowser(t, srv)
	const draft = "レジで大声を出し続けた（下書き）"
	srv.secret("the draft", draft)
	draftShown := func() bool {
		return eval[bool](b, `!document.querySelector("#draft-status").hidden`) || eval[string](b, `document.querySelector("#conduct").value`) != ""
	}

	// A types a draft and leaves the device; the session ends without a sign-out.
	signIn(t, b, "clerk@example.jp", aPW)
	b.open("/report")
	b.fill("#conduct", draft)
	leave(b)

	// B signs in on the same browser: no draft.
	signIn(t, b, "other@example.jp", bPW)
	b.open("/report")
	if draftShown() {
		t.Errorf("the second user sees the first user's draft: %q", eval[string](b, `document.querySelector("#conduct").value`))
	}
	if strings.Contains(eval[string](b, "document.body.innerText"), draft) {
		t.Errorf("the second user's page holds the first user's draft")
	}
	leave(b) // B too leaves without signing out (sign-out clears every draft)

	// A comes back: the draft is there, and can be discarded.
	signIn(t, b, "clerk@example.jp", aPW)
	b.open("/report")
	if got := eval[string](b, `document.querySelector("#conduct").value`); got != draft {
		t.Errorf("the writer's own draft is %q, want it restored", got)
	}
	b.click("#draft-discard")
	b.open("/report")
	if draftShown() {
		t.Errorf("a discarded draft came back")
	}

	// Sign-out clears the draft.
	b.fill("#conduct", draft)
	signOut(t, b)
	if eval[bool](b, `Object.keys(localStorage).some(k => k.startsWith("kasuhara-draft:"))`) {
		t.Errorf("a draft is kept after sign-out")
	}

	// The anonymous form keeps no draft.
	b.open("/o/default/report")
	b.fill("#conduct", draft)
	b.open("/o/default/report")
	if got := eval[string](b, `document.querySelector("#conduct").value`); got != "" {
		t.Errorf("the anonymous form restored %q", got)
	}
	if eval[bool](b, `Object.keys(localStorage).concat(Object.keys(sessionStorage)).some(k => k.startsWith("kasuhara-draft:"))`) {
		t.Errorf("the anonymous form kept a draft")
	}
}

// TestCreateUserSubmittedOnce (issue 18): the admin's create-user form
// sent by two taps 5 ms apart, or again after Back, creates the person
// once and shows the same one-time password, never "the address is
// taken".
func TestCreateUserSubmittedOnce(t *testing.T) {
	srv := startServer(t)
	admin := newUserForm(t, srv, "二度 押す", "twice@example.jp", "employee")
	admin.run("tap twice", chromedp.Evaluate[chromedp.Void](`(() => {
		const btn = document.querySelector("#create-user");
		btn.click(); setTimeout(() => btn.click(), 5); })()`))
	admin.run("wait for the password", chromedp.WaitVisible(chromedp.CSS("#one-time-password")))
	first := admin.text("#one-time-password .secret")
	srv.secret("a one-time password", first)
	if admin.has(".flash-error") || admin.has("#problems") {
		t.Errorf("two taps answered an error: %s", admin.text("main"))
	}
	members := func() int {
		admin.open("/admin/users?q=twice")
		return int(eval[float64](admin, `document.querySelectorAll("#members tbody tr").length`))
	}

	// Back to the form and send it again: the same page, the same password.
	admin.run("back to the form", chromedp.NavigateBack())
	wantPath(t, admin, "/admin/users", "Back")
	if eval[string](admin, "document.querySelector('#user-email').value") == "" {
		admin.fill("#user-name", "二度 押す")
		admin.fill("#user-email", "twice@example.jp")
	}
	wantStatus(t, admin.submit("#create-user"), http.StatusCreated, "send again after Back")
	if got := admin.text("#one-time-password .secret"); got != first {
		t.Errorf("send again after Back shows another password")
	}
	if n := members(); n != 1 {
		t.Errorf("the create-user form sent three times made %d people, want 1", n)
	}
}

// TestEvidenceUploadedOnce (issue 18): the case page's evidence form sent
// twice at once (two requests of one form) records the file once; two taps
// 5 ms apart on its button add one file more, not two.
func TestEvidenceUploadedOnce(t *testing.T) {
	srv := startServer(t)
	pw := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	b := signedIn(t, srv, "clerk@example.jp", pw)
	b.open("/report")
	fillReport(b, "電話で「無能」と繰り返し言われた（証拠）")
	wantStatus(t, b.submit("#report-submit"), http.StatusOK, "file the report")
	caseURL := b.path()
	rows := func() int {
		b.open(caseURL)
		return int(eval[float64](b, `document.querySelectorAll("#evidence-table tbody tr").length`))
	}

	b.openSection("evidence")
	b.run("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#evidence-files"), []string{photo(t)}))
	got := eval[string](b, `(async () => {
		const f = document.querySelector("#evidence-form");
		const send = () => fetch(f.action, {method: "POST", body: new FormData(f), redirect: "manual"}).then(r => r.type + ":" + r.status);
		return (await Promise.all([send(), send()])).join(",");
	})()`, chromedp.EvalAwaitPromise)
	if got != "opaqueredirect:0,opaqueredirect:0" {
		t.Errorf("two requests of the evidence form answered %s, want two redirects", got)
	}
	if n := rows(); n != 1 {
		t.Errorf("the evidence form sent twice at once recorded %d files, want 1", n)
	}

	b.openSection("evidence")
	b.run("choose a photo", chromedp.SetUploadFiles(chromedp.CSS("#evidence-files"), []string{photo(t)}))
	b.run("tap twice", chromedp.Evaluate[chromedp.Void](`(() => {
		const btn = document.querySelector("#evidence-submit");
		btn.click(); setTimeout(() => btn.click(), 5); })()`))
	b.run("wait for the section", chromedp.WaitVisible(chromedp.CSS("#evidence-table")))
	b.run("let a second request land", chromedp.Sleep(time.Second))
	if n := rows(); n != 2 {
		t.Errorf("two taps on the evidence form: %d files, want 2", n)
	}
	srv.secret("the narrative", "繰り返し言われた")
}
