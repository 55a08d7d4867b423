package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kasuhara/kasuhara"
)

// underArea puts the department dep under a new area, on the running
// server's database, as the admin's departments page would, and returns the
// organisation's slug.
func underArea(t *testing.T, srv *server, dep, area string) string {
	t.Helper()
	ctx := context.Background()
	st, closeStore := serverStore(t, srv)
	defer closeStore()
	org := memberActor(t, st, "clerk@example.jp").OrgID
	d, err := st.DepartmentByName(ctx, org, dep)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.DepartmentByName(ctx, org, area)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetDepartmentParent(ctx, kasuhara.CLIActor, org, d.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	o, err := st.OrgByID(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	return o.Slug
}

// inJapanese switches the signed-in user's language to Japanese.
func inJapanese(b *browser) {
	b.t.Helper()
	b.open("/")
	b.choose("#lang-select", "ja")
	b.openMenu()
	b.submit("#lang-submit")
}

// TestEveryRoleAtWork (issue 19) opens each role's home and main page in
// Japanese, on the screen the role mostly uses, the morning's cases filed
// at 新宿店 under 関東エリア: the employee's home and report form on a
// phone; the area's supervisor's home (counts of the store's cases, no
// narrative) and queue (the store's cases); legal's approvals; the
// analyst's statistics rolled up to the areas; the administrator's setup
// checklist and the anonymous channel's switch, which closes the anonymous
// form. Every page fits its screen and shows no internal id.
// KASUHARA_SCREENSHOTS=DIR saves each (docs/screenshots holds them).
func TestEveryRoleAtWork(t *testing.T) {
	srv := startServer(t)
	pw := map[string]string{
		"employee": addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店"),
		"desk":     addUser(t, srv, "desk@example.jp", "窓口 一郎", "desk", ""),
		"legal":    addUser(t, srv, "legal@example.jp", "法務 次郎", "legal", ""),
		"analyst":  addUser(t, srv, "analyst@example.jp", "分析 太郎", "analyst", ""),
		// A second legal member, so that the desk's proposal waits for one.
		"legal2":     addUser(t, srv, "legal2@example.jp", "法務 三郎", "legal", ""),
		"supervisor": addUser(t, srv, "area@example.jp", "エリア長 四郎", "supervisor", "関東エリア"),
	}
	slug := underArea(t, srv, "新宿店", "関東エリア")
	morningCases(t, srv)
	shots := os.Getenv("KASUHARA_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	desktop := chromedp.EmulateViewport(1366, 900)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	// look checks the page the browser shows and saves its screenshot.
	look := func(b *browser, name string, want ...string) {
		t.Helper()
		checkFits(t, b, name)
		noUUID(t, b, name)
		body := b.text("main")
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
		if shots != "" {
			b.screenshot(shots, name)
		}
	}
	signedIn := func(email, password string, screen chromedp.Action[chromedp.Void]) *browser {
		t.Helper()
		b := newBrowser(t, srv)
		b.run("emulate the screen", screen)
		wantStatus(t, signIn(t, b, email, password), http.StatusOK, email+" signs in")
		inJapanese(b)
		return b
	}

	// The employee, on a phone: the report button first, and the form.
	emp := signedIn("clerk@example.jp", pw["employee"], phone)
	emp.open("/")
	look(emp, "home-employee-ja-phone", msg(t, "ja", "nav.report"))
	emp.open("/report")
	look(emp, "report-employee-ja-phone", msg(t, "ja", "report.title"))

	// The area's supervisor: the store's six cases, five of them open.
	boss := signedIn("area@example.jp", pw["supervisor"], desktop)
	boss.open("/")
	if n := eval[int](boss, `+document.querySelector("#figure-open").dataset.count`); n != 5 {
		t.Errorf("the area's supervisor counts %d open cases, want the store's 5", n)
	}
	if body := boss.text("main"); strings.Contains(body, "怒鳴") || strings.Contains(body, "K-") {
		t.Errorf("the supervisor's home shows a case: %s", body)
	}
	look(boss, "home-supervisor-ja-desktop")
	boss.open("/cases")
	if n := eval[int](boss, `document.querySelectorAll("#queue tbody tr").length`); n != 6 {
		t.Errorf("the area's supervisor's queue lists %d cases, want the store's 6", n)
	}
	look(boss, "queue-supervisor-ja-desktop", "新宿店")

	// Legal: the measure the desk proposed waits for approval.
	legal := signedIn("legal@example.jp", pw["legal"], desktop)
	legal.open("/approvals")
	look(legal, "approvals-legal-ja-desktop", "山田 太郎")

	// The analyst: figures only, rolled up to the areas.
	an := signedIn("analyst@example.jp", pw["analyst"], desktop)
	an.open("/")
	look(an, "home-analyst-ja-desktop")
	an.open("/insight?group_by=department&level=1")
	if got := an.text("#stats-table"); !strings.Contains(got, "関東エリア") || strings.Contains(got, "新宿店") {
		t.Errorf("the statistics rolled up to the areas: %q", got)
	}
	if body := an.text("main"); strings.Contains(body, "怒鳴") || strings.Contains(body, "花子") {
		t.Error("a narrative or a name on the statistics page")
	}
	an.run("scroll to the table", chromedp.ScrollIntoView("#level-hint"))
	look(an, "insight-analyst-ja-desktop", "関東エリア")

	// The administrator: the checklist asks for the anonymous channel's
	// choice; switched off, the anonymous form says named reports only.
	adm := newBrowser(t, srv)
	adm.run("emulate the desktop", desktop)
	firstSignIn(t, adm, srv.AdminEmail, srv.AdminPassword, "ja")
	inJapanese(adm)
	adm.open("/")
	if got := eval[string](adm, `document.querySelector("#setup-anonymous").dataset.done`); got != "false" {
		t.Errorf("the checklist's anonymous channel item is done = %s before a choice", got)
	}
	look(adm, "home-admin-ja-desktop", msg(t, "ja", "home.setup.anonymous"))
	adm.open("/admin/settings#anonymous")
	adm.run("choose off", chromedp.Click(chromedp.CSS("#anonymous-off"), chromedp.NodeVisible))
	wantStatus(t, adm.submit("#anonymous-submit"), http.StatusOK, "switch the anonymous channel off")
	if !adm.has("#anonymous-saved") || !strings.HasSuffix(adm.safeLocation(), "#anonymous") {
		t.Errorf("after the switch the page is at %s, without the message in its section", adm.safeLocation())
	}
	look(adm, "settings-admin-ja-desktop", msg(t, "ja", "admin.settings.anonymous_saved.off"))
	adm.open("/")
	if got := eval[string](adm, `document.querySelector("#setup-anonymous").dataset.done`); got != "true" {
		t.Errorf("the checklist's anonymous channel item is done = %s after the choice", got)
	}
	// The page that says so is checked as the page walk checks every page:
	// at 320, 390 and 1366 px, and with axe-core.
	anon := newBrowser(t, srv)
	anon.injectAxe(axeSource(t))
	for _, lang := range []string{"ja", "en"} {
		anon.setAcceptLanguage(lang)
		closed := "/o/" + slug + "/report"
		if resp := anon.open(closed); resp.Status != http.StatusForbidden || anon.has("#report-form") ||
			!strings.Contains(anon.text("main"), msg(t, lang, "anon.closed.title")) || !anon.has(fmt.Sprintf(`a[href="/o/%s/policy"]`, slug)) {
			t.Errorf("the anonymous form with the channel off (%s): %d, %q", lang, resp.Status, anon.text("main"))
		}
		w := &walker{t: t, b: anon, who: "nobody-" + lang}
		w.check(closed)
		noUUID(t, anon, closed)
	}
}
