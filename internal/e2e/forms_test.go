package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue 18, nothing typed is lost: a refused file, a text over the limit or
// any other problem draws the form again with everything typed, the
// problems summarised at the top with links to the fields, the focus on
// the summary and each field marked for screen readers; the limits are
// checked in the browser before anything is sent.

// program writes a small Windows program, a file of a type Kasuhara refuses.
func program(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tool.exe")
	b := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 512)...)
	copy(b[0x80:], "PE\x00\x00")
	b[0x3c] = 0x80
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// activeID is the id of the element that has the focus.
func activeID(b *browser) string {
	return eval[string](b, "document.activeElement ? document.activeElement.id : ''")
}

func TestNothingTypedIsLost(t *testing.T) {
	srv := startServer(t)
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	deskPW := addUser(t, srv, "desk@example.jp", "窓口 一郎", "desk", "")
	emp := newBrowser(t, srv)
	emp.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	wantStatus(t, signIn(t, emp, "clerk@example.jp", clerkPW), http.StatusOK, "sign in")
	emp.open("/report")
	narrative := "電話で「無能」と繰り返し言われ、30分切らせてもらえなかった"
	fillReport(emp, narrative)
	emp.click("details.more > summary")
	emp.fill("#location", "新宿店 レジ")
	srv.secret("the narrative", "繰り返し言われ")

	// The browser names a refused file at once and sends nothing.
	emp.run("choose a program", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{program(t)}))
	if got := emp.text("#files-client-error"); !strings.Contains(got, "tool.exe") {
		t.Errorf("choosing a program says %q, want its name", got)
	}
	emp.run("send", chromedp.Click(chromedp.CSS("#report-submit"), chromedp.NodeVisible))
	wantPath(t, emp, "/report", "sending a refused file")
	if eval[bool](emp, `document.querySelector("#report-submit").disabled`) {
		t.Errorf("a form the browser did not send has its button disabled")
	}

	// Without the browser's check (an older page), the server refuses
	// the file (415) and draws the form again with everything typed.
	emp.run("drop the browser's check", chromedp.Evaluate[chromedp.Void](`document.querySelector("#files").removeAttribute("data-max-bytes"); document.querySelector("#files-client-error").remove()`))
	wantStatus(t, emp.submit("#report-submit"), http.StatusUnsupportedMediaType, "a refused file")
	if got := eval[string](emp, `document.querySelector("#conduct").value`); got != narrative {
		t.Errorf("after a refused file the narrative is %q", got)
	}
	if got := eval[string](emp, `document.querySelector("#location").value`); got != "新宿店 レジ" {
		t.Errorf("after a refused file the place is %q", got)
	}
	if !eval[bool](emp, `document.querySelector("#subtype-insult").checked && document.querySelector("input[name=channel][value=phone]").checked`) {
		t.Errorf("after a refused file the kind or the channel is lost")
	}
	if got := activeID(emp); got != "error-summary" {
		t.Errorf("the focus is on %q, want the error summary", got)
	}
	if got := emp.text("#error-summary a[href='#files']"); !strings.Contains(got, "tool.exe") {
		t.Errorf("the summary's link to the files says %q, want the file's name", got)
	}
	if got := eval[string](emp, `document.querySelector("#files").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("the file input is not marked invalid")
	}
	if strings.Contains(srv.log(), "tool.exe") {
		t.Errorf("the log names the file")
	}

	// A missing kind: the summary links to it, and the link opens it.
	emp.run("untick", chromedp.Evaluate[chromedp.Void](`document.querySelector("#subtype-insult").checked = false`))
	wantStatus(t, emp.submit("#report-submit"), http.StatusUnprocessableEntity, "no kind of conduct")
	if got := eval[string](emp, `document.querySelector("#conduct").value`); got != narrative {
		t.Errorf("after a missing kind the narrative is %q", got)
	}
	if !emp.has("#error-summary a[href='#kinds-legend']") || activeID(emp) != "error-summary" {
		t.Errorf("the summary does not lead to the kinds: %s", emp.text("#error-summary"))
	}
	if got := countRows(emp, "/reports", "#my-reports"); got != 0 {
		t.Errorf("%d cases were filed by refused forms", got)
	}

	// A failed assessment keeps the typed rationale.
	emp.open("/report")
	fillReport(emp, narrative)
	wantStatus(t, emp.submit("#report-submit"), http.StatusOK, "file")
	caseURL := emp.path()
	desk := newBrowser(t, srv)
	signIn(t, desk, "desk@example.jp", deskPW)
	desk.open(caseURL)
	rationale := "同じ要求を30分以上繰り返しており、社会通念上相当な範囲を超える"
	desk.openSection("assessment")
	desk.fill("#rationale", rationale)
	// No verdict: the section comes back with its problems (htmx, 422)
	// and the rationale typed.
	if _, problems := desk.act("assessment", "#assess-submit"); problems == "" {
		t.Errorf("an assessment without a verdict was taken")
	}
	if got := eval[string](desk, `document.querySelector("#rationale").value`); got != rationale {
		t.Errorf("after a failed assessment the rationale is %q", got)
	}
	// The next page drawn keeps nothing of it.
	desk.open(caseURL)
	if got := eval[string](desk, `document.querySelector("#rationale") ? document.querySelector("#rationale").value : ""`); got != "" {
		t.Errorf("a later view of the case shows the old rationale %q", got)
	}
}
