package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// caseForPage files a case with a customer for the case page's tests.
func caseForPage(t *testing.T, e *env) *kasuhara.Case {
	t.Helper()
	empV := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, empV, kasuhara.Report{OccurredAt: time.Now().Add(-2 * time.Hour), Channel: "phone", DurationMinutes: 40,
		Subtypes: []string{"long_contact"}, Conduct: "40分同じ要求を繰り返した", RequestContent: "全額返金",
		Customer: kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "090-1234-5678"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sectionOf returns the HTML of the case page's action section name.
func sectionOf(t *testing.T, body, name string) string {
	t.Helper()
	start := strings.Index(body, `id="section-`+name+`"`)
	if start < 0 {
		t.Fatalf("no section %s in:\n%.3000s", name, body)
	}
	start = strings.LastIndex(body[:start], "<details")
	end := strings.Index(body[start:], "</details>\n")
	return body[start : start+end]
}

// countNotes counts the note events with body on the case's timeline.
func countNotes(t *testing.T, e *env, c *kasuhara.Case, body string) int {
	t.Helper()
	deskV := e.actor(kasuhara.RoleDesk)
	tl, err := e.st.Timeline(ctx, deskV, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range tl {
		if ev.Kind == kasuhara.EventNote && ev.Body == body {
			n++
		}
	}
	return n
}

// An action of the case page, posted by htmx, answers with the page whose
// section is open with its message in it and whose timeline has the new
// entry first; posted without JavaScript, it redirects to the section's
// fragment, and the page then shows the message in that section (not at
// the top). Bad input comes back as 422 with the problems in the section.
func TestCaseSectionsInPlaceAndFallback(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := caseForPage(t, e)
	desk := e.signedIn(kasuhara.RoleDesk)
	path := "/cases/" + c.ID

	page := desk.get(path)
	must(t, page, 200, `id="section-notes"`, `hx-post="/cases/`+c.ID+`/notes"`, `name="case-section"`, "山田 太郎", "/customers/", "措置なし")
	if strings.Contains(sectionOf(t, page.body, "notes"), " open") {
		t.Error("a section is open before anything was done")
	}

	// htmx.
	r := desk.do("POST", path+"/notes", strings.NewReader(url.Values{"body": {"録音を保全した"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	must(t, r, 200, "録音を保全した")
	sec := sectionOf(t, r.body, "notes")
	if !strings.Contains(sec, `id="section-notes" open`) || !strings.Contains(sec, `id="flash"`) || !strings.Contains(sec, "経過記録に追加しました") {
		t.Errorf("the notes section is not open with its message:\n%s", sec)
	}
	if strings.Contains(r.body, `<div class="flash flash-ok" role="alert" id="flash">`) {
		t.Error("the message is also shown at the top of the page")
	}
	// The timeline lists the newest first.
	tl := r.body[strings.Index(r.body, `id="timeline"`):]
	if i, j := strings.Index(tl, "録音を保全した"), strings.Index(tl, "event-reported"); i < 0 || j < 0 || i > j {
		t.Errorf("the new note is not before the report on the timeline (%d, %d)", i, j)
	}

	// Without JavaScript.
	r = desk.post(path+"/notes", url.Values{"body": {"店長に報告した"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"#section-notes" {
		t.Fatalf("the fallback answers %d to %q, want 303 to %s#section-notes", r.status, r.header.Get("Location"), path)
	}
	page = desk.get(path)
	sec = sectionOf(t, page.body, "notes")
	if !strings.Contains(sec, `id="section-notes" open`) || !strings.Contains(sec, "経過記録に追加しました") {
		t.Errorf("after the fallback the notes section is not open with its message:\n%s", sec)
	}
	if n := strings.Count(page.body, "経過記録に追加しました"); n != 1 {
		t.Errorf("the message is shown %d times:\n%s", n, page.body)
	}
	// The message is shown once: the next view has none.
	mustNot(t, desk.get(path), "経過記録に追加しました")

	// Bad input, both ways: the problems in the section.
	r = desk.do("POST", path+"/transition", strings.NewReader(url.Values{"to": {"acknowledged"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	must(t, r, 200, "状況を更新しました")
	r = desk.do("POST", path+"/transition", strings.NewReader(url.Values{"to": {"in_progress"}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	if r.status != http.StatusConflict {
		t.Fatalf("moving on without two people: %d", r.status)
	}
	if sec := sectionOf(t, r.body, "status"); !strings.Contains(sec, `id="problems"`) || !strings.Contains(sec, "担当者と副担当を割り当ててください") {
		t.Errorf("the problems are not in the section:\n%s", sec)
	}
	r = desk.post(path+"/care", url.Values{"kind": {"counselling"}, "due_on": {"not a date"}})
	must(t, r, http.StatusUnprocessableEntity)
	if sec := sectionOf(t, r.body, "care"); !strings.Contains(sec, `id="section-care" open`) || !strings.Contains(sec, `id="problems"`) {
		t.Errorf("the care section is not open with its problems:\n%s", sec)
	}
}

// A case-page form that creates something carries an idempotency key: sent
// twice (a double tap, Back and send again), by htmx or without
// JavaScript, it is applied once. A form drawn anew has a new key.
func TestCaseFormsSubmitOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		c := caseForPage(t, e)
		desk := e.signedIn(kasuhara.RoleDesk)
		path := "/cases/" + c.ID
		keyOf := func(body, form string) string {
			t.Helper()
			i := strings.Index(body, `id="`+form+`"`)
			if i < 0 {
				t.Fatalf("no form %s", form)
			}
			m := regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`).FindStringSubmatch(body[i:])
			if m == nil {
				t.Fatalf("the form %s carries no idempotency key", form)
			}
			return m[1]
		}
		page := desk.get(path)
		key := keyOf(page.body, "note-form")
		for _, form := range []string{"contact-form", "task-form", "care-form", "message-form", "referral-form"} {
			if k := keyOf(page.body, form); k == key {
				t.Errorf("%s has the same key as the note form", form)
			}
		}
		form := url.Values{"body": {"二度押し"}, "idempotency_key": {key}}
		for i, hx := range []string{"true", "", "true"} {
			hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			if hx != "" {
				hdr["HX-Request"] = hx
			}
			r := desk.do("POST", path+"/notes", strings.NewReader(form.Encode()), hdr)
			if r.status != http.StatusOK && r.status != http.StatusSeeOther {
				t.Fatalf("send %d: %d", i+1, r.status)
			}
		}
		if n := countNotes(t, e, c, "二度押し"); n != 1 {
			t.Fatalf("the note sent three times with one key is on the timeline %d times", n)
		}
		// The section drawn again carries a new key.
		r := desk.do("POST", path+"/notes", strings.NewReader(url.Values{"body": {"二件目"}, "idempotency_key": {keyOf(desk.get(path).body, "note-form")}}.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
		must(t, r, 200)
		if k := keyOf(sectionOf(t, r.body, "notes"), "note-form"); k == key {
			t.Error("the section came back with the old key")
		}
		if n := countNotes(t, e, c, "二件目"); n != 1 {
			t.Fatalf("a second note with a new key: %d", n)
		}
	})
}

// The printable summary is a PDF for the desk (and the department's
// supervisor: the role × route test), audited; it leaves the care record
// out; the reporter cannot print it, and the link is not on their page.
func TestCaseSummaryPDF(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := caseForPage(t, e)
	deskV := e.actor(kasuhara.RoleDesk)
	if _, err := e.st.AddCare(ctx, deskV, c.ID, kasuhara.CareAction{Kind: "counselling", Note: "産業医との面談"}); err != nil {
		t.Fatal(err)
	}
	desk := e.signedIn(kasuhara.RoleDesk)
	must(t, desk.get("/cases/"+c.ID), 200, `href="/cases/`+c.ID+`/summary.pdf"`)
	r := desk.get("/cases/" + c.ID + "/summary.pdf")
	must(t, r, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.Contains(r.header.Get("Content-Disposition"), c.Ref+"-summary.pdf") {
		t.Errorf("file name: %q", r.header.Get("Content-Disposition"))
	}
	if text := pdfPlain(t, []byte(r.body)); text != "" {
		for _, want := range []string{"事案の概要" + c.Ref, "40分同じ要求を繰り返した", "JST"} {
			if !strings.Contains(text, want) {
				t.Errorf("the summary lacks %q", want)
			}
		}
		if strings.Contains(text, "産業医との面談") {
			t.Error("the summary holds the care record")
		}
	}
	es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, en := range es {
		audited = audited || (en.Action == "case.summary" && en.ActorID == deskV.UserID)
	}
	if !audited {
		t.Error("printing the summary is not audited")
	}
	emp := e.signedIn(kasuhara.RoleEmployee)
	mustNot(t, emp.get("/cases/"+c.ID), "summary.pdf")
	if r := emp.get("/cases/" + c.ID + "/summary.pdf"); r.status != http.StatusForbidden {
		t.Errorf("the reporter prints the summary: %d", r.status)
	}
}

// The case page's customer and letters: the customer the case is linked to
// with the measure in force and a link to the record; the letter section
// lists the customer's measures that make a letter, with the preview (and
// the letter itself only once approved); the internal reason is not shown.
func TestCasePageCustomerAndLetters(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := caseForPage(t, e)
	deskV := e.actor(kasuhara.RoleDesk)
	list, err := e.st.CustomersOfCase(ctx, deskV, c.ID)
	if err != nil || len(list) != 1 {
		t.Fatalf("customers of the case: %+v, %v", list, err)
	}
	cu := list[0]
	desk := e.client()
	desk.signInAs(kasuhara.RoleDesk)
	if sec := sectionOf(t, desk.get("/cases/"+c.ID).body, "letter"); !strings.Contains(sec, "文書を作成できる措置はありません") {
		t.Errorf("the letter section before any measure:\n%s", sec)
	}
	m, err := e.st.ProposeMeasure(ctx, deskV, cu.ID, kasuhara.NewMeasure{Checks: testChecks, Level: "warned", Reason: "社内限りの判断理由", CaseIDs: []string{c.ID}, ReviewAt: time.Now().AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	page := desk.get("/cases/" + c.ID)
	must(t, page, 200, `href="/customers/`+cu.ID+`"`, "山田 太郎", "事案 1件")
	sec := sectionOf(t, page.body, "letter")
	if !strings.Contains(sec, "/customers/"+cu.ID+"/measures/"+m.ID+"/letter/preview") || !strings.Contains(sec, "承認待ち") {
		t.Errorf("the letter section does not list the proposed warning with its preview:\n%s", sec)
	}
	if strings.Contains(sec, "/measures/"+m.ID+"/letter?") {
		t.Error("a letter is offered for a measure not yet approved")
	}
	mustNot(t, page, "社内限りの判断理由")
}

// TestBorderlineOnTheCasePage (issue 22): the desk reads, on the case
// page, that the contact lasted longer than the organisation's limit, with
// the two axes to judge by; the reporter does not.
func TestBorderlineOnTheCasePage(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := caseForPage(t, e) // a 40-minute call; the limit is 30
	must(t, e.signedIn(kasuhara.RoleDesk).get("/cases/"+c.ID), 200, `id="borderline"`, "40分", "30分", "二つの観点")
	mustNot(t, e.signedIn(kasuhara.RoleEmployee).get("/cases/"+c.ID), `id="borderline"`)
}
