package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// uuidInText returns the first internal id (UUID) in the page's visible
// text, with every action section opened in turn, or "".
func uuidInText(b *browser) string {
	b.t.Helper()
	return eval[string](b, `(() => {
		const re = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
		const check = () => { const m = document.body.innerText.match(re); return m ? m[0] : ""; };
		let found = check();
		const open = [...document.querySelectorAll("details.case-section")].find(d => d.open);
		for (const d of document.querySelectorAll("details.case-section")) {
			if (found) break;
			d.open = true;
			found = check();
		}
		document.querySelectorAll("details.case-section").forEach(d => d.open = (d === open));
		return found;
	})()`)
}

// TestCasePage: the case page at 1366×900 in two columns and at 390×844 in
// one, in Japanese and English, fits the screen and shows no internal id;
// on a phone the actions are one tap away; an action by htmx updates its
// section and the timeline without loading the page; without JavaScript
// the action lands on the section's fragment with its message.
func TestCasePage(t *testing.T) {
	srv := startServer(t)
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	deskPW := addUser(t, srv, "desk@example.jp", "窓口 一郎", "desk", "")
	addUser(t, srv, "legal@example.jp", "法務 次郎", "legal", "")
	shots := os.Getenv("KASUHARA_SCREENSHOTS")

	emp := signedIn(t, srv, "clerk@example.jp", clerkPW)
	emp.open("/report")
	emp.click(`input[name=channel][value=in_person]`)
	emp.fill("#conduct", "返品を断ると「土下座しろ」と30分怒鳴り続け、他のお客様の前で名札を撮影された")
	emp.click(`details.more > summary`)
	emp.fill("#request_content", "全額返金と店長の謝罪")
	emp.fill("#customer_name", "山田 太郎")
	emp.fill("#customer_phone", "090-1234-5678")
	emp.click(`details.kind:first-of-type > summary`)
	emp.click("#subtype-shouting")
	wantStatus(t, emp.submit("#report-submit"), http.StatusOK, "file the report")
	caseURL := emp.path()

	type view struct {
		name          string
		width, height int64
		phone         bool
	}
	for _, v := range []view{{"desktop", 1366, 900, false}, {"phone", 390, 844, true}} {
		desk := newBrowser(t, srv)
		if v.phone {
			desk.run("emulate a phone", chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
		} else {
			desk.run("emulate a desktop", chromedp.EmulateViewport(v.width, v.height))
		}
		signIn(t, desk, "desk@example.jp", deskPW)
		for _, lang := range []string{"ja", "en"} {
			desk.open("/")
			desk.choose("#lang-select", lang)
			desk.openMenu()
			desk.submit("#lang-submit")
			desk.open(caseURL)
			page := fmt.Sprintf("the case page (%s, %s)", lang, v.name)
			checkFits(t, desk, page)
			if id := uuidInText(desk); id != "" {
				t.Errorf("%s shows the internal id %s", page, id)
			}
			height := eval[float64](desk, `document.documentElement.scrollHeight`)
			t.Logf("%s: %.0f px high with the sections closed", page, height)
			columns := eval[bool](desk, `(() => { const m = document.querySelector(".case-main").getBoundingClientRect(), a = document.querySelector("#actions").getBoundingClientRect();
				return a.left >= m.right - 1 && a.top < m.bottom; })()`)
			if columns == v.phone {
				t.Errorf("%s: two columns %v, want %v", page, columns, !v.phone)
			}
			if v.phone {
				if top := eval[float64](desk, `document.querySelector("#jump-actions").getBoundingClientRect().bottom`); top > float64(v.height) {
					t.Errorf("%s: the jump to the actions is not on the first screen (%.0f px)", page, top)
				}
				desk.click("#jump-actions")
				if top := eval[float64](desk, `document.querySelector("#actions").getBoundingClientRect().top`); top < -1 || top > 100 {
					t.Errorf("%s: the jump menu does not lead to the actions (they are at %.0f px)", page, top)
				}
			}
			if !strings.Contains(desk.text("#customer"), "山田 太郎") {
				t.Errorf("%s: the customer is not shown: %s", page, desk.text("#customer"))
			}
			desk.openSection("notes")
			checkFits(t, desk, page+" with the notes open")
			if shots != "" {
				desk.run("to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
				desk.screenshot(shots, fmt.Sprintf("case-page-%s-%s", lang, v.name))
			}
		}
	}

	// An action by htmx: the section comes back open with its message, the
	// timeline has the note first, with the desk's name; the page did not
	// load again (act checks a marker set before the click).
	desk := newBrowser(t, srv)
	desk.run("emulate a desktop", chromedp.EmulateViewport(1366, 900))
	signIn(t, desk, "desk@example.jp", deskPW)
	desk.choose("#lang-select", "ja")
	desk.submit("#lang-submit")
	desk.open(caseURL)
	desk.openSection("notes")
	desk.fill("#note-body", "防犯カメラの映像を保全した")
	flash, problems := desk.act("notes", "#note-submit")
	if flash != msg(t, "ja", "case.noted") {
		t.Fatalf("the note: message %q, problems %q", flash, problems)
	}
	first := desk.text("#timeline-list > li:first-child")
	if !strings.Contains(first, "防犯カメラの映像を保全した") || !strings.Contains(first, "窓口 一郎") {
		t.Errorf("the newest timeline entry is %q, want the desk's note", first)
	}
	if got := eval[string](desk, `document.querySelector("#note-body").value`); got != "" {
		t.Errorf("the note form still holds %q", got)
	}
	// A second action in another section: only one section is open.
	desk.openSection("status")
	if flash, problems := desk.act("status", "#to-acknowledged"); flash == "" {
		t.Fatalf("acknowledge: no message; problems %q", problems)
	}
	if got := desk.text("#case-state"); got != msg(t, "ja", "state.acknowledged") {
		t.Errorf("the state badge says %q after acknowledging", got)
	}
	if n := eval[float64](desk, `document.querySelectorAll("details.case-section[open]").length`); n != 1 {
		t.Errorf("%.0f sections open, want one", n)
	}
	if shots != "" {
		desk.screenshot(shots, "case-page-after-action-ja-desktop")
	}

	// Without JavaScript: the note lands on the section's fragment, the
	// section open with the message.
	nojs := newBrowser(t, srv)
	nojs.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	signIn(t, nojs, "desk@example.jp", deskPW)
	nojs.run("turn JavaScript off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	nojs.open(caseURL)
	if eval[bool](nojs, `typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx ran with JavaScript off")
	}
	nojs.click("#section-notes > summary")
	nojs.fill("#note-body", "店長に報告した")
	wantStatus(t, nojs.submit("#note-submit"), http.StatusOK, "a note without JavaScript")
	if got := eval[string](nojs, `location.pathname + location.hash`); got != caseURL+"#section-notes" {
		t.Errorf("without JavaScript the note lands on %s, want %s#section-notes", got, caseURL)
	}
	if !nojs.has("#section-notes[open] #flash") || nojs.text("#section-notes #flash") != msg(t, "ja", "case.noted") {
		t.Errorf("without JavaScript the notes section is not open with its message")
	}
	if nojs.has("main > #flash") {
		t.Errorf("the message is also at the top of the page")
	}
	if !strings.Contains(nojs.text("#timeline-list > li:first-child"), "店長に報告した") {
		t.Errorf("the note is not the newest timeline entry")
	}
	checkFits(t, nojs, "the case page without JavaScript")
	if shots != "" {
		nojs.screenshot(shots, "case-page-nojs-ja-phone")
	}
}
