package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// TestPolicyAndTrainingJourney is the journey of issue 7: the admin
// publishes the basic policy and a course from the built-in texts and
// assigns the course; an employee on a phone acknowledges the policy, takes
// the course, fails the quiz once, passes, and appears as complete in the
// report; the policy is public without sign-in in both languages.
func TestPolicyAndTrainingJourney(t *testing.T) {
	srv, admin, _ := adminAtHome(t)
	clerkPW := addUser(t, srv, "clerk@example.jp", "店員 花子", "employee", "新宿店")
	shots := os.Getenv("KASUHARA_SCREENSHOTS")

	publishBasicPolicy(t, admin)
	// The built-in course, published and assigned to employees yearly.
	admin.open("/admin/training")
	wantStatus(t, admin.submit("#new-course-submit"), http.StatusOK, "create the course")
	courseEdit := admin.path()
	wantStatus(t, admin.submit("#toggle-publish"), http.StatusOK, "publish the course")
	wantText(t, admin, "#course-state", "公開中", "course state")
	if shots != "" {
		admin.fullScreenshot(shots, "course-edit-ja")
	}
	admin.open("/admin/training")
	admin.choose("#assign-role", "employee")
	admin.run("set the due date", chromedp.SetValue(chromedp.CSS("#assign-due"), "2099-03-31"))
	wantStatus(t, admin.submit("#assign-submit"), http.StatusOK, "assign the course")
	if !strings.Contains(admin.text("#assignments"), "2099年3月31日") {
		t.Fatalf("the assignment is not listed: %s", admin.text("#assignments"))
	}
	courseID := courseEdit[strings.LastIndex(courseEdit, "/")+1:]

	// The employee, on a phone: the start page asks for both.
	emp := newBrowser(t, srv)
	emp.run("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	wantStatus(t, signIn(t, emp, "clerk@example.jp", clerkPW), http.StatusOK, "employee signs in")
	emp.open("/")
	todo := emp.text("#todo")
	if !strings.Contains(todo, "基本方針") || !strings.Contains(todo, "2099年3月31日") {
		t.Fatalf("the start page does not ask for the policy and the course: %q", todo)
	}
	emp.openMenu()
	emp.submit("#nav-policies")
	checkFits(t, emp, "/policies")
	emp.submit("#policies a")
	checkFits(t, emp, emp.path())
	if !strings.Contains(emp.text("#policy-body"), "カスタマーハラスメント") {
		t.Errorf("the policy text is not shown")
	}
	if shots != "" {
		emp.fullScreenshot(shots, "policy-ja-phone")
	}
	wantStatus(t, emp.submit("#ack-submit"), http.StatusOK, "acknowledge the policy")
	if !emp.has("#acked") {
		t.Fatalf("no acknowledgement shown")
	}

	// The course: the first attempt is wrong everywhere, the second right.
	content, err := starter.Course(starter.Params{Company: "x", ContactLimitMinutes: 30}).Content("ja")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(right bool) {
		t.Helper()
		for i, q := range content.Questions {
			for j, ch := range q.Choices {
				if ch.Correct == right && (right || j == firstWrong(q.Choices)) {
					emp.click(fmt.Sprintf("#q%d-%d", i, j))
				}
			}
		}
	}
	emp.openMenu()
	emp.submit("#nav-training")
	checkFits(t, emp, "/training")
	emp.submit("#my-training a")
	if emp.path() != "/training/courses/"+courseID {
		t.Fatalf("the course link leads to %s", emp.path())
	}
	checkFits(t, emp, emp.path())
	if n := eval[int](emp, `document.querySelectorAll("section[id^=lesson-]").length`); n != len(content.Lessons) {
		t.Errorf("%d lessons shown, want %d", n, len(content.Lessons))
	}
	answer(false)
	if shots != "" {
		emp.fullScreenshot(shots, "course-ja-phone")
	}
	wantStatus(t, emp.submit("#quiz-submit"), http.StatusOK, "first attempt")
	if !strings.Contains(emp.text("#result"), "まだ合格ではありません") || !emp.has("#retry") {
		t.Fatalf("a wrong attempt did not fail: %q", emp.text("#result"))
	}
	if shots != "" {
		emp.fullScreenshot(shots, "course-failed-ja-phone")
	}
	emp.open("/training/courses/" + courseID)
	answer(true)
	wantStatus(t, emp.submit("#quiz-submit"), http.StatusOK, "second attempt")
	if !strings.Contains(emp.text("#score"), "100%") {
		t.Fatalf("the right answers did not pass: %q", emp.text("#score"))
	}
	wantStatus(t, emp.submit("#certificate-link"), http.StatusOK, "open the certificate")
	wantText(t, emp, "#cert-name", "店員 花子", "certificate name")
	if shots != "" {
		emp.fullScreenshot(shots, "certificate-ja-phone")
	}
	emp.open("/training")
	wantText(t, emp, `#my-training [data-status]`, "修了", "status after passing")
	emp.open("/")
	if emp.has("#todo") {
		t.Errorf("the start page still asks for something: %q", emp.text("#todo"))
	}

	// The admin's report shows the shop complete.
	admin.open("/training/report")
	row := admin.text("#training-report tbody tr")
	if !strings.Contains(row, "新宿店") || !strings.Contains(row, "100") {
		t.Errorf("the report row: %q", row)
	}
	if shots != "" {
		admin.fullScreenshot(shots, "training-report-ja")
	}

	// The public page, without sign-in, in English.
	anon := newBrowser(t, srv)
	anon.setAcceptLanguage("en")
	wantStatus(t, anon.open("/o/default/policy"), http.StatusOK, "the public policy")
	wantText(t, anon, "#policy-title", "Basic policy on customer harassment", "public title")
	if anon.lang() != "en" || anon.has("#signout") {
		t.Errorf("the public page is not the anonymous English page")
	}
	checkFits(t, anon, "/o/default/policy")
}

// publishBasicPolicy has the admin publish the basic policy from the
// built-in text, after its preview.
func publishBasicPolicy(t *testing.T, admin *browser) {
	t.Helper()
	admin.open("/admin/policies")
	admin.choose("#policy-kind", "basic")
	wantStatus(t, admin.submit("#new-policy-submit"), http.StatusOK, "create the policy draft")
	if !strings.HasPrefix(admin.path(), "/admin/policies/") || !admin.has("#preview-ja") {
		t.Fatalf("after creating, the admin is on %s without a preview", admin.path())
	}
	wantStatus(t, admin.submit("#publish"), http.StatusOK, "publish the policy")
	if !strings.Contains(admin.text("#current-version"), "第1版") {
		t.Errorf("current version: %q", admin.text("#current-version"))
	}
}

func firstWrong(cs []kasuhara.Choice) int {
	for j, c := range cs {
		if !c.Correct {
			return j
		}
	}
	return -1
}
