package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/starter"
)

const quizCourse = `## 基本
一人で対応しない。

Q: 一人で対応してよいですか。
- [ ] はい
- [x] いいえ

Q: 正しいものをすべて選んでください。
- [x] 安全第一
- [ ] 怒鳴り返す
- [x] 記録する
`

func allRight() [][]int { return [][]int{{1}, {0, 2}} }

func TestCoursesAttemptsAndReport(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC)
		d.s.Now = func() time.Time { return now }
		admin := d.actor
		_, err := d.s.SaveCourse(ctx, admin, kasuhara.Course{TitleJa: "基礎", SourceJa: "no lesson", PassMark: 0})
		wantField(t, err, "pass_mark")
		wantField(t, err, "source_ja")
		c, err := d.s.SaveCourse(ctx, admin, kasuhara.Course{TitleJa: "基礎", TitleEn: "Basics", SourceJa: quizCourse, PassMark: 100})
		if err != nil {
			t.Fatal(err)
		}
		clerk, clerk2, operator := d.people["clerk"], d.people["clerk2"], d.people["operator"]
		// Shop employees, yearly, due at the end of March.
		_, err = d.s.AssignCourse(ctx, admin, kasuhara.Assignment{CourseID: c.ID, Role: kasuhara.RoleEmployee, DepartmentID: d.shop.ID, FirstDue: "2027-03-31", EveryMonths: 12})
		if err != nil {
			t.Fatal(err)
		}
		otherDept, _ := d.s.CreateDepartment(ctx, kasuhara.CLIActor, d.other.ID, "他社の店")
		_, err = d.s.AssignCourse(ctx, admin, kasuhara.Assignment{CourseID: c.ID, DepartmentID: otherDept.ID, FirstDue: "2027-03-31"})
		wantField(t, err, "department")
		// An unpublished course is nobody's task yet and cannot be taken.
		if items, _ := d.s.MyTraining(ctx, clerk); len(items) != 0 {
			t.Fatal("an unpublished course is assigned")
		}
		_, err = d.s.SubmitAttempt(ctx, clerk, c.ID, "ja", allRight())
		wantCode(t, err, kasuhara.ENOTFOUND)
		if err := d.s.PublishCourse(ctx, admin, c.ID, true); err != nil {
			t.Fatal(err)
		}
		items, err := d.s.MyTraining(ctx, clerk)
		if err != nil || len(items) != 1 || items[0].Status != kasuhara.TrainingDue || items[0].Due != "2027-03-31" {
			t.Fatalf("clerk's training: %v %+v", err, items)
		}
		if items, _ := d.s.MyTraining(ctx, operator); len(items) != 0 {
			t.Fatal("a course for the shop is assigned to the call centre")
		}
		// Fail once, then pass. A failed attempt has its score but not
		// which answers were wrong (issue 16, finding 17).
		a, err := d.s.SubmitAttempt(ctx, clerk, c.ID, "ja", [][]int{{1}, {0}})
		if err != nil || a.Passed || a.Score != 50 || len(a.Wrong) != 0 {
			t.Fatalf("failed attempt: %v %+v", err, a)
		}
		_, err = d.s.SubmitAttempt(ctx, clerk, c.ID, "ja", [][]int{{1}})
		wantField(t, err, "answers")
		now = now.Add(time.Hour)
		a, err = d.s.SubmitAttempt(ctx, clerk, c.ID, "en", allRight())
		if err != nil || !a.Passed || a.Score != 100 || a.Lang != "ja" {
			t.Fatalf("passing attempt (asked in English, course only in Japanese): %v %+v", err, a)
		}
		items, _ = d.s.MyTraining(ctx, clerk)
		if items[0].Status != kasuhara.TrainingComplete || items[0].AttemptID != a.ID || items[0].Due != "2028-03-31" {
			t.Fatalf("after passing: %+v", items[0])
		}
		// The certificate: the clerk's own, legal's to check; not another employee's.
		cert, err := d.s.Attempt(ctx, clerk, a.ID)
		if err != nil || cert.UserName != "clerk" || cert.CourseTitleJa != "基礎" {
			t.Fatalf("certificate: %v %+v", err, cert)
		}
		if _, err := d.s.Attempt(ctx, d.people["legal"], a.ID); err != nil {
			t.Fatal(err)
		}
		_, err = d.s.Attempt(ctx, clerk2, a.ID)
		wantCode(t, err, kasuhara.ENOTFOUND)
		_, err = d.s.Attempt(ctx, d.people["otherdesk"], a.ID)
		wantCode(t, err, kasuhara.ENOTFOUND)
		// The report: the shop has two employees assigned, one complete.
		rows, err := d.s.TrainingReport(ctx, d.people["legal"])
		if err != nil || len(rows) != 1 {
			t.Fatalf("report: %v %+v", err, rows)
		}
		r := rows[0]
		if r.DepartmentID != d.shop.ID || r.Assigned != 2 || r.Complete != 1 || r.Due != 1 || r.Overdue != 0 || len(r.Pending) != 1 || r.Pending[0].User.ID != clerk2.UserID {
			t.Fatalf("report row: %+v", r)
		}
		// The service decides who reads it and who sees names: the analyst
		// gets the figures without the names, the desk and the employees
		// nothing.
		rows, err = d.s.TrainingReport(ctx, d.people["analyst"])
		if err != nil || len(rows) != 1 || rows[0].Assigned != 2 || len(rows[0].Pending) != 0 {
			t.Fatalf("the analyst's report: %v %+v", err, rows)
		}
		for _, who := range []kasuhara.Actor{d.people["desk1"], clerk} {
			if _, err := d.s.TrainingReport(ctx, who); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Fatalf("%s reads the training report: %v", who.Role, err)
			}
		}
		// April: clerk2 is overdue; the clerk is fine until next March.
		now = time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)
		rows, _ = d.s.TrainingReport(ctx, d.people["legal"])
		if rows[0].Complete != 1 || rows[0].Overdue != 1 {
			t.Fatalf("in April: %+v", rows[0])
		}
		// A year later the clerk is up to date with this year's course pending.
		now = time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)
		items, _ = d.s.MyTraining(ctx, clerk)
		if items[0].Status != kasuhara.TrainingComplete || !items[0].Pending || items[0].Due != "2028-03-31" {
			t.Fatalf("a year later: %+v", items[0])
		}
		// Another organisation cannot see or take the course.
		if _, err := d.s.Course(ctx, d.other.ID, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatal("another organisation reads the course")
		}
		_, err = d.s.SubmitAttempt(ctx, d.people["otherdesk"], c.ID, "ja", allRight())
		wantCode(t, err, kasuhara.ENOTFOUND)
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit: %v %+v", err, problem)
		}
	})
}

func TestTrainingImagesAndCaseStudies(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
		_, err := d.s.SaveImage(ctx, d.actor, "image/png", []byte("<svg onload=alert(1)></svg>"))
		wantField(t, err, "image")
		id, err := d.s.SaveImage(ctx, d.actor, "text/html", png)
		if err != nil {
			t.Fatal(err)
		}
		img, err := d.s.Image(ctx, d.org.ID, id)
		if err != nil || img.ContentType != "image/png" || len(img.Data) != len(png) {
			t.Fatalf("image: %v %+v", err, img)
		}
		if _, err := d.s.Image(ctx, d.other.ID, id); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatal("another organisation reads the image")
		}
		// Case studies: only from a closed case, only by its handlers, only confirmed.
		desk := d.people["desk1"]
		c, _ := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "山田様が怒鳴った", "shouting"))
		_, err = d.s.CreateCaseStudy(ctx, desk, c.ID, "大声で返金を迫られた例", "ある店舗で…", true)
		wantField(t, err, "case")
		if _, err := d.s.Assign(ctx, desk, c.ID, desk.UserID, d.people["shopboss"].UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Assess(ctx, desk, c.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: []string{"threat"},
			EnvironmentImpaired: true, EnvironmentHow: "x", Verdict: "harassment", Rationale: "x"}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []kasuhara.CaseState{kasuhara.StateAcknowledged, kasuhara.StateInProgress, kasuhara.StateResolved, kasuhara.StateClosed} {
			if _, err := d.s.Transition(ctx, desk, c.ID, st, "x"); err != nil {
				t.Fatal(err)
			}
		}
		_, err = d.s.CreateCaseStudy(ctx, desk, c.ID, "大声で返金を迫られた例", "ある店舗で…", false)
		wantField(t, err, "confirm")
		_, err = d.s.CreateCaseStudy(ctx, d.people["clerk"], c.ID, "x", "y", true)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.CreateCaseStudy(ctx, d.people["otherdesk"], c.ID, "x", "y", true)
		wantCode(t, err, kasuhara.ENOTFOUND)
		cs, err := d.s.CreateCaseStudy(ctx, desk, c.ID, "大声で返金を迫られた例", "ある店舗で、客が大声で返金を求めた。", true)
		if err != nil {
			t.Fatal(err)
		}
		// Only a handler of the case learns which case it came from.
		if _, err := d.s.Exclude(ctx, d.people["legal"], c.ID, d.people["desk2"].UserID); err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string]string{"desk1": c.ID, "desk2": "", "clerk": "", "legal": c.ID} {
			got, err := d.s.CaseStudy(ctx, d.people[who], cs.ID)
			if err != nil || got.CaseID != want {
				t.Errorf("%s sees source %q (%v), want %q", who, got.CaseID, err, want)
			}
		}
		list, _ := d.s.CaseStudies(ctx, d.org.ID)
		if len(list) != 1 || list[0].ID != cs.ID || strings.Contains(list[0].Body, "山田") {
			t.Fatalf("case studies: %+v", list)
		}
		if list, _ := d.s.CaseStudies(ctx, d.other.ID); len(list) != 0 {
			t.Fatal("another organisation lists the case study")
		}
		tl, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectID: c.ID})
		found := false
		for _, e := range tl {
			found = found || e.Action == "case.case_study"
		}
		if !found {
			t.Fatal("the case's audit trail does not record the case study")
		}
	})
}

// TestTrainingRemindersOverTime lets the weeks pass on the bubble's fake
// clock: a week before the due date one reminder, after it one overdue
// reminder, none for whoever passed, and a new round next year.
func TestTrainingRemindersOverTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := bubbleStore(t)
		org, _ := s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "acme", Name: "Acme"})
		mk := func(email, lang string) kasuhara.Actor {
			u, err := s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: email, Name: email, Password: "long-enough-pw", OrgID: org.ID, Role: kasuhara.RoleEmployee, Language: lang})
			if err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: org.ID, Role: kasuhara.RoleEmployee}
		}
		diligent, late := mk("diligent@example.jp", "ja"), mk("late@example.jp", "en")
		course := starter.Course(starter.Params{Company: "Acme", ContactLimitMinutes: 30})
		c, err := s.SaveCourse(ctx, kasuhara.Actor{OrgID: org.ID, Label: "cli"}, course)
		if err != nil {
			t.Fatal(err)
		}
		s.PublishCourse(ctx, kasuhara.Actor{OrgID: org.ID, Label: "cli"}, c.ID, true)
		// The bubble starts on 2000-01-01; the course is due on 31 January, yearly.
		if _, err := s.AssignCourse(ctx, kasuhara.Actor{OrgID: org.ID, Label: "cli"}, kasuhara.Assignment{CourseID: c.ID, FirstDue: "2000-01-31", EveryMonths: 12}); err != nil {
			t.Fatal(err)
		}
		mails := func() []notify.TrainingMailJob {
			var out []notify.TrainingMailJob
			for _, p := range jobRows(t, s.DB(), notify.KindTrainingMail) {
				var j notify.TrainingMailJob
				json.Unmarshal([]byte(p), &j)
				out = append(out, j)
			}
			return out
		}
		remind := func() int {
			n, err := s.TrainingReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if remind() != 0 {
			t.Fatal("a reminder a month before the due date")
		}
		time.Sleep(24*24*time.Hour + 10*time.Hour) // 25 January, 10:00 JST
		if got := remind(); got != 2 {
			t.Fatalf("a week before: %d reminders, want 2", got)
		}
		if remind() != 0 {
			t.Fatal("the same reminder twice")
		}
		content, _ := c.Content("ja")
		answers := content.Key()
		if _, err := s.SubmitAttempt(ctx, diligent, c.ID, "ja", answers); err != nil {
			t.Fatal(err)
		}
		time.Sleep(7 * 24 * time.Hour) // 1 February
		if got := remind(); got != 1 {
			t.Fatalf("after the due date: %d reminders, want 1 (the late one only)", got)
		}
		ms := mails()
		last := ms[len(ms)-1]
		if last.Stage != notify.TrainingOverdue || last.To[0] != "late@example.jp" || last.Lang != "en" || last.Due != "2000-01-31" || last.Course != course.TitleEn {
			t.Fatalf("overdue mail: %+v", last)
		}
		msg := notify.TrainingMailFor(last, "https://kasuhara.example")
		if !strings.Contains(msg.Subject, "overdue") || !strings.Contains(msg.Text, "https://kasuhara.example/training") {
			t.Fatalf("mail: %+v", msg)
		}
		// The late one passes; next January both are reminded again.
		if _, err := s.SubmitAttempt(ctx, late, c.ID, "en", answers); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * 24 * time.Hour)
		if remind() != 0 {
			t.Fatal("a reminder after everyone passed")
		}
		time.Sleep(330 * 24 * time.Hour) // late January of the next year
		if got := remind(); got != 2 {
			t.Fatalf("next year's round: %d reminders, want 2", got)
		}
		for _, j := range mails() {
			if strings.Contains(j.Course+j.Due, "@") {
				t.Fatal("a reminder payload carries personal data")
			}
		}
	})
}
