package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCooperationFlow (issue 22): on a phone the desk records a request for
// cooperation from another employer about a case picked by its number,
// previews the summary to share (the reporter left out), keeps its PDF,
// answers the request and closes it. At 390 and 320 px no page scrolls
// sideways or shows an internal id, nor at 1366 px.
func TestCooperationFlow(t *testing.T) {
	srv := startServer(t)
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	deskPW := addUser(t, srv, "desk@example.jp", "相談 一郎", "desk", "")
	fileCallReport(t, srv, "clerk@example.jp", clerkPW)

	desk := signedIn(t, srv, "desk@example.jp", deskPW)
	desk.open("/cases")
	ref := desk.text(".case-ref")
	if !strings.HasPrefix(ref, "K-") {
		t.Fatalf("the queue shows no case number: %q", ref)
	}
	desk.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	desk.open("/cooperation")
	checkFits(t, desk, "the register")
	desk.click("#direction-received")
	desk.fill("#cooperation-employer", "乙運輸株式会社")
	desk.fill("#cooperation-phone", "03-1234-5678")
	desk.fill("#cooperation-case", ref)
	desk.fill("#cooperation-asked", "同じ顧客による暴言について事実確認をお願いしたい")
	wantStatus(t, desk.submit("#cooperation-submit"), http.StatusOK, "record the request")
	if h := desk.text("h1"); !strings.Contains(h, "CO-") {
		t.Fatalf("after recording, the page is %q (%s)", h, desk.path())
	}
	page := desk.text("main")
	for _, want := range []string{"乙運輸株式会社", "03-1234-5678", ref, "対応中"} {
		if !strings.Contains(page, want) {
			t.Errorf("the request's page lacks %q", want)
		}
	}
	checkFits(t, desk, "the request's page")
	noUUID(t, desk, "the request's page")

	// The summary: previewed, then kept.
	wantStatus(t, desk.submit("#share-preview"), http.StatusOK, "preview the summary")
	preview := desk.text("#share-preview-body")
	if !strings.Contains(preview, "2時間") || strings.Contains(preview, "店員") || strings.Contains(preview, "花子") {
		t.Errorf("the preview shows the reporter or lacks the conduct: %s", preview)
	}
	checkFits(t, desk, "the preview")
	noUUID(t, desk, "the preview")
	wantStatus(t, desk.submit("#share-make"), http.StatusOK, "keep the summary")
	if !desk.has("#cooperation-shares") || !strings.Contains(desk.text("#cooperation-shares"), "同意なし") {
		t.Errorf("the shared summary is not listed: %s", desk.text("main"))
	}

	// Answered, then closed.
	desk.fill("#cooperation-answered-text", "事実確認の結果を要約で共有した")
	wantStatus(t, desk.submit("#cooperation-to-answered"), http.StatusOK, "answer")
	if got := desk.text("#cooperation-status"); got != "回答済み" {
		t.Errorf("after answering the state is %q", got)
	}
	wantStatus(t, desk.submit("#cooperation-to-closed"), http.StatusOK, "close")
	if got := desk.text("#cooperation-status"); got != "完了" {
		t.Errorf("after closing the state is %q", got)
	}
	request := desk.path()
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	for _, size := range screens {
		desk.emulate(size)
		for i, p := range []string{"/cooperation", request, request + "/share?fields=dates&fields=conduct&fields=measures"} {
			desk.open(p)
			checkFits(t, desk, p+" ("+size.name+")")
			noUUID(t, desk, p)
			if shots != "" {
				desk.fullScreenshot(shots, fmt.Sprintf("cooperation-%d-ja-%s", i, size.name))
			}
		}
	}
	desk.open("/cooperation")
	if !strings.Contains(desk.text("#cooperation-list"), "完了") {
		t.Errorf("the register does not show the closed request: %s", desk.text("main"))
	}
}
