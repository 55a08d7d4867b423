package e2e

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var uuidRE = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// waitText opens path until the text of sel holds want (the job queue
// delivers notifications a moment after the change), and fails after 30 s.
func waitText(t *testing.T, b *browser, path, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.open(path)
		if b.has(sel) && strings.Contains(b.text(sel), want) {
			return
		}
		if time.Now().After(deadline) {
			got := ""
			if b.has(sel) {
				got = b.text(sel)
			}
			t.Fatalf("%s never showed %q in %s; it shows %q", path, want, sel, got)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitApprovalNotice waits until the approver b is told in words that what
// waits for their approval.
func waitApprovalNotice(t *testing.T, b *browser, what string) {
	t.Helper()
	waitText(t, b, "/notifications", "#notifications", what)
	if got := b.text("#notifications li"); !strings.Contains(got, "承認待ちです") {
		t.Errorf("the notification says %q", got)
	}
}

// followNoticeToApprovals follows the approver's notification, which leads
// to the approvals list.
func followNoticeToApprovals(t *testing.T, b *browser) {
	t.Helper()
	b.open("/notifications")
	wantStatus(t, b.submit("#notifications .notice-main a"), http.StatusOK, "follow the notification")
	wantPath(t, b, "/approvals", "the notification leads to the approvals list")
}

// noUUID fails when the page's visible text shows an internal id.
func noUUID(t *testing.T, b *browser, page string) {
	t.Helper()
	if id := uuidRE.FindString(b.text("body")); id != "" {
		t.Errorf("%s shows the internal id %s", page, id)
	}
}

// measureForm opens the first customer of the list on b (a legal member)
// and fills in the form of a measure of level with its reason, for the
// test to send; it returns the customer's page.
func measureForm(t *testing.T, b *browser, level, reason string) string {
	t.Helper()
	b.open("/customers")
	wantStatus(t, b.submit(".customers a"), http.StatusOK, "open the customer")
	page := b.path()
	b.choose("#level", level)
	b.fill("#reason", reason)
	return page
}

// TestApprovalReachesTheApprover (issue 19): a measure proposed by one legal
// member reaches a second one (a notification that says what it is, the
// count on their home, the approvals list with the customer, the level,
// the proposer, the reason and the case behind it); the second approves
// with a comment, which the customer's page shows; the proposer is told
// and cannot approve their own. At 1366×900 and on 390 and 320 px phones
// the pages do not scroll sideways and show no internal id.
func TestApprovalReachesTheApprover(t *testing.T) {
	srv, _, legalPW, legal2PW := reportedCustomer(t)
	shots := os.Getenv("KASUHARA_SCREENSHOTS")

	// The first legal member proposes a ban resting on the case.
	legal := signedIn(t, srv, "legal@example.jp", legalPW)
	customerURL := measureForm(t, legal, "banned", "再三の長時間の電話と威圧")
	legal.fill("#premises", "新宿店")
	fillChecks(legal)
	legal.click(`input[name=case_ids]`)
	wantStatus(t, legal.submit("#propose-submit"), http.StatusOK, "propose")
	if legal.has(`button[id^=approve-]`) {
		t.Errorf("the proposer is offered to approve their own proposal on the customer's page")
	}
	legal.open("/approvals")
	if legal.has(`form[action$="/approve"]`) || !strings.Contains(legal.text("main"), msg(t, "ja", "approvals.own")) {
		t.Errorf("the proposer's approvals list: %s", legal.text("main"))
	}

	// It reaches the second: a notification in words, leading to the list.
	legal2 := signedIn(t, srv, "legal2@example.jp", legal2PW)
	waitApprovalNotice(t, legal2, "措置「出入り禁止」")
	if !legal2.has("#unread") {
		t.Error("no unread count in the navigation")
	}
	legal2.open("/")
	if got := legal2.text("#home-approvals"); got != "承認待ちの措置が 1 件あります" {
		t.Errorf("the approver's home says %q", got)
	}
	followNoticeToApprovals(t, legal2)
	card := legal2.text("section.approval")
	for _, want := range []string{"迷惑 太郎", "出入り禁止", "法務 一郎", "再三の長時間の電話と威圧", "K-"} {
		if !strings.Contains(card, want) {
			t.Errorf("the approvals list lacks %q: %s", want, card)
		}
	}
	for _, size := range screens {
		legal2.emulate(size)
		for _, p := range []string{"/approvals", "/notifications", customerURL} {
			legal2.open(p)
			checkFits(t, legal2, p+" ("+size.name+")")
			noUUID(t, legal2, p)
			if shots != "" && p != customerURL {
				legal2.fullScreenshot(shots, strings.Trim(p, "/")+"-ja-"+size.name)
			}
		}
	}
	legal2.run("desktop again", chromedp.EmulateViewport(1366, 900))

	// Approved with a comment: the list empties, the customer's page shows
	// the level and the comment with the approver's name.
	legal2.open("/approvals")
	legal2.fill(`section.approval textarea[name=comment]`, "記録を確認した。出入り禁止が相当。")
	wantStatus(t, legal2.submit(`section.approval form[action$="/approve"] button`), http.StatusOK, "approve")
	wantPath(t, legal2, "/approvals", "back to the list after approving")
	if !legal2.has("#no-approvals") {
		t.Errorf("the approved measure is still listed: %s", legal2.text("main"))
	}
	legal2.open(customerURL)
	if got := legal2.text("#customer-level"); got != "出入り禁止" {
		t.Errorf("the customer's level is %q after approval", got)
	}
	if got := legal2.text(`p[id^=approval-comment-]`); !strings.Contains(got, "記録を確認した。出入り禁止が相当。") || !strings.Contains(got, "法務 二郎") {
		t.Errorf("the customer's page shows the approval as %q", got)
	}

	// The proposer hears of it, in words, in English too; marking it read
	// is a POST, and opening the page changes nothing.
	waitText(t, legal, "/notifications", "#notifications", "承認されました")
	legal.setAcceptLanguage("en")
	legal.open("/notifications")
	if got := legal.text("#notifications li"); !strings.Contains(got, "was approved") || !strings.Contains(got, "Banned") {
		t.Errorf("in English the notification says %q", got)
	}
	legal.open("/notifications")
	if !legal.has("#unread") {
		t.Fatal("opening the notifications marked them read")
	}
	// The approval (newest) and the new report: marking one leaves the other.
	unread := legal.text("#unread")
	wantStatus(t, legal.submit(".notice-read button"), http.StatusOK, "mark one read")
	if legal.has("#notifications > li:first-child.unread") || !legal.has(".notice.unread") || legal.text("#unread") == unread {
		t.Errorf("after marking the first read: %s", legal.text("main"))
	}
	wantStatus(t, legal.submit("#mark-all"), http.StatusOK, "mark all read")
	if legal.has("#unread") || legal.has(".notice.unread") {
		t.Errorf("still unread after marking all: %s", legal.text("main"))
	}
	// The daily digest is a choice of one's own.
	legal.click("#mail-digest")
	wantStatus(t, legal.submit("#mail-save"), http.StatusOK, "choose the digest")
	if !eval[bool](legal, `document.querySelector("#mail-digest").checked`) {
		t.Error("the digest choice was not kept")
	}
	if shots != "" {
		legal.fullScreenshot(shots, "notifications-en-desktop")
	}
	srv.secret("the customer's phone", "090-2222-3333")
}
