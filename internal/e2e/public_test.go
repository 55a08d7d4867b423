package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPublicPagesShowTheOrganisation (issue 20): the public policy page,
// the anonymous form and its receipt are headed, titled and signed with
// the organisation's name, never the product's; both report forms say,
// before the submit button, who reads the report and that reporting is
// protected from 不利益な取扱い; the dates a person reads are Japanese
// (2026年12月6日公開), not ISO. On a 320 px phone, a 390 px phone and a
// desktop, without sideways scrolling.
func TestPublicPagesShowTheOrganisation(t *testing.T) {
	srv, admin, _ := adminAtHome(t)
	const org = "株式会社サンプル商事"
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")

	// The admin names the organisation and publishes the basic policy.
	admin.open("/admin/settings")
	admin.run("rename the organisation", chromedp.SetValue(chromedp.CSS("#org_name"), org))
	wantStatus(t, admin.submit("#settings-submit"), http.StatusOK, "save the settings")
	publishBasicPolicy(t, admin)

	isoDate := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	speaksFor := func(b *browser, page string) {
		t.Helper()
		if got := eval[string](b, `document.title`); !strings.HasSuffix(got, "— "+org) {
			t.Errorf("%s: title %q, want the organisation's name", page, got)
		}
		if got := b.text("#brand"); got != org {
			t.Errorf("%s: header %q, want %q", page, got, org)
		}
		if got := b.text("#footer-org"); got != org {
			t.Errorf("%s: footer %q, want %q", page, got, org)
		}
		body := eval[string](b, `document.body.innerText`)
		if strings.Contains(body, "Kasuhara") || strings.Contains(eval[string](b, `document.title`), "Kasuhara") {
			t.Errorf("%s names the product:\n%s", page, body)
		}
		if d := isoDate.FindString(body); d != "" {
			t.Errorf("%s shows the ISO date %s", page, d)
		}
	}

	anon := newBrowser(t, srv)
	anon.setAcceptLanguage("ja")
	for _, v := range []struct {
		name          string
		width, height int64
	}{{"320", 320, 640}, {"390", 390, 844}, {"1366", 1366, 900}} {
		anon.run("emulate "+v.name, chromedp.EmulateViewport(v.width, v.height))
		wantStatus(t, anon.open("/o/default/policy"), http.StatusOK, "the public policy")
		speaksFor(anon, "the public policy at "+v.name)
		checkFits(t, anon, "/o/default/policy at "+v.name)
		if !regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日公開`).MatchString(anon.text("main")) {
			t.Errorf("the public policy does not say when it was published in Japanese: %q", anon.text("main .muted"))
		}
		wantStatus(t, anon.open("/o/default/report"), http.StatusOK, "the anonymous form")
		speaksFor(anon, "the anonymous form at "+v.name)
		checkFits(t, anon, "/o/default/report at "+v.name)
		r := anon.text("#reassurance")
		for _, want := range []string{org + "の相談窓口と法務・人事の担当者だけ", "不利益な取扱い", "法律と" + org + "の方針"} {
			if !strings.Contains(r, want) {
				t.Errorf("the anonymous form's reassurance lacks %q: %q", want, r)
			}
		}
		if anon.has("#reassurance-readers") {
			t.Errorf("the anonymous form speaks of a supervisor reading the report")
		}
	}
	// The reassurance is before the submit button.
	if !eval[bool](anon, `!!(document.querySelector("#reassurance").compareDocumentPosition(document.querySelector("#report-submit")) & Node.DOCUMENT_POSITION_FOLLOWING)`) {
		t.Errorf("the reassurance is not before the submit button")
	}
	anon.run("emulate a phone", chromedp.EmulateViewport(390, 844))
	fillReport(anon, "電話で「無能」と繰り返し言われた")
	wantStatus(t, anon.submit("#report-submit"), http.StatusOK, "file the anonymous report")
	wantPath(t, anon, "/o/default/receipt", "after filing")
	receipt := anon.text("#receipt")
	srv.secret("the receipt", receipt)
	srv.secret("the receipt without hyphens", strings.ReplaceAll(receipt, "-", ""))
	speaksFor(anon, "the receipt")

	// The named form, before sending, says who reads a named report.
	emp := newBrowser(t, srv)
	emp.run("emulate a phone", chromedp.EmulateViewport(320, 640))
	wantStatus(t, signIn(t, emp, "clerk@example.jp", clerkPW), http.StatusOK, "employee signs in")
	emp.open("/report")
	checkFits(t, emp, "/report at 320")
	r := emp.text("#reassurance")
	for _, want := range []string{"相談窓口と法務・人事：報告のすべて", "選んだ部署（変えなければあなたの部署）の上司", "あなたが同意した場合だけ", "上司に開示しない", "不利益な取扱い", "法律と" + org + "の方針"} {
		if !strings.Contains(r, want) {
			t.Errorf("the named form's reassurance lacks %q: %q", want, r)
		}
	}
	if !eval[bool](emp, `!!(document.querySelector("#reassurance").compareDocumentPosition(document.querySelector("#report-submit")) & Node.DOCUMENT_POSITION_FOLLOWING)`) {
		t.Errorf("the named form's reassurance is not before the submit button")
	}
}
