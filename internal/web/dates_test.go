package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/starter"
)

var (
	isoDate  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	scripts  = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	htmlTags = regexp.MustCompile(`(?s)<[^>]*>`)
)

// visibleText is the text of a page a person reads: no tags, attributes
// (form values keep ISO dates for the browser) or scripts.
func visibleText(body string) string {
	return htmlTags.ReplaceAllString(scripts.ReplaceAllString(body, " "), " ")
}

// mustReadDates fails when a page shows an ISO date to a person.
func mustReadDates(t *testing.T, name string, r resp) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: status %d:\n%.2000s", name, r.status, r.body)
	}
	if d := isoDate.FindString(visibleText(r.body)); d != "" {
		t.Errorf("%s shows the ISO date %s:\n%.3000s", name, d, visibleText(r.body))
	}
}

// TestPagesWriteDatesForPeople: the pages a person reads in Japanese (the
// public policy, the home's training reminder, my training, the
// certificate, the case page) write dates as 2026年12月6日, never as ISO
// dates; the certificate follows the organisation's choice of 和暦, which
// the administrator makes on the settings page.
func TestPagesWriteDatesForPeople(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admin := e.actor(kasuhara.RoleAdmin)
		e.publishedPolicy(t, admin, kasuhara.PolicyBasic, true, starter.Policy("basic_policy", starterParams(e)))
		c, err := e.st.SaveCourse(ctx, admin, starter.Course(starterParams(e)))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.PublishCourse(ctx, admin, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.AssignCourse(ctx, admin, kasuhara.Assignment{CourseID: c.ID, Role: kasuhara.RoleEmployee, FirstDue: "2099-03-31"}); err != nil {
			t.Fatal(err)
		}

		anon := e.client()
		anon.header.Set("Accept-Language", "ja")
		r := anon.get("/o/acme/policy")
		mustReadDates(t, "the public policy", r)
		if !regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日公開`).MatchString(r.body) {
			t.Errorf("the public policy lacks its date of publication as 2026年12月6日公開:\n%.2000s", visibleText(r.body))
		}

		emp := e.signedIn(kasuhara.RoleEmployee)
		emp.header.Set("Accept-Language", "ja")
		r = emp.get("/")
		mustReadDates(t, "the home", r)
		must(t, r, http.StatusOK, "2099年3月31日までに受講してください")
		r = emp.get("/training")
		mustReadDates(t, "my training", r)
		must(t, r, http.StatusOK, "2099年3月31日")

		content, err := c.Content("ja")
		if err != nil {
			t.Fatal(err)
		}
		var right [][]int
		for _, q := range content.Questions {
			var a []int
			for j, ch := range q.Choices {
				if ch.Correct {
					a = append(a, j)
				}
			}
			right = append(right, a)
		}
		at, err := e.st.SubmitAttempt(ctx, e.actor(kasuhara.RoleEmployee), c.ID, "ja", right)
		if err != nil || !at.Passed {
			t.Fatalf("attempt %+v, %v", at, err)
		}
		cert := "/training/certificates/" + at.ID
		r = emp.get(cert)
		mustReadDates(t, "the certificate", r)
		if !regexp.MustCompile(`id="cert-date">\d{4}年\d{1,2}月\d{1,2}日<`).MatchString(r.body) {
			t.Fatalf("the certificate's date is not written 2026年12月6日:\n%.2000s", r.body)
		}
		mustNot(t, r, "令和")
		// The certificate's number is not the internal id (only its link is).
		must(t, r, 200, `id="certificate-number">`+at.Number()+`<`)
		if strings.Count(r.body, at.ID) != strings.Count(r.body, "/training/certificates/"+at.ID) {
			t.Errorf("the certificate shows the attempt's internal id as text")
		}

		// The administrator chooses 和暦: the certificate follows; the
		// pages stay 西暦.
		adm := e.signedIn(kasuhara.RoleAdmin)
		adm.header.Set("Accept-Language", "ja")
		must(t, adm.get("/admin/settings"), http.StatusOK, "日付の表記", `name="date_style" value="western" id="date_style_western" checked`,
			`name="date_style" value="era"`)
		form := url.Values{"org_name": {e.org.Name}, "acknowledge": {"1bd"}, "feedback": {"7d"}, "public_holidays": {"on"},
			"contact_limit_minutes": {"30"}, "review_incidents": {"3"}, "review_window_days": {"90"}, "date_style": {"showa"}}
		r = adm.post("/admin/settings", form)
		must(t, r, http.StatusUnprocessableEntity, `id="date_style"`, "field-error")
		form.Set("date_style", kasuhara.DateStyleEra)
		must(t, adm.post("/admin/settings", form), http.StatusSeeOther)
		must(t, adm.get("/admin/settings"), http.StatusOK, `name="date_style" value="era" id="date_style_era" checked`)
		r = emp.get(cert)
		mustReadDates(t, "the certificate in 和暦", r)
		if !regexp.MustCompile(`id="cert-date">令和(元|\d+)年\d{1,2}月\d{1,2}日<`).MatchString(r.body) {
			t.Errorf("the certificate's date is not in 和暦:\n%.2000s", r.body)
		}
		mustNot(t, emp.get("/training"), "令和")
		en := e.signedIn(kasuhara.RoleEmployee)
		en.header.Set("Accept-Language", "en")
		r = en.get(cert)
		mustReadDates(t, "the English certificate", r)
		mustNot(t, r, "令和")

		k := caseForPage(t, e)
		desk := e.signedIn(kasuhara.RoleDesk)
		desk.header.Set("Accept-Language", "ja")
		mustReadDates(t, "the case page", desk.get("/cases/"+k.ID))
		mustReadDates(t, "the queue", desk.get("/cases"))
	})
}

// starterParams fills the built-in texts for the test organisation, as
// the pages that create them do.
func starterParams(e *env) starter.Params {
	st, err := e.st.Settings(ctx, e.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return starter.For(*st, e.srvNow())
}
