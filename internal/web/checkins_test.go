package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// TestCheckinOnTheCasePage: the reporter finds the question after their
// report open on their case page and answers it there (also through the
// API); a yes reaches legal's alarms; legal reads the answers on the case,
// the desk and the supervisor do not; the settings page sets the days.
func TestCheckinOnTheCasePage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		emp := e.actor(kasuhara.RoleEmployee)
		c := e.file(t, emp, kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone", Subtypes: []string{"insult"},
			Conduct: "電話で「無能」と繰り返し言われた"})
		path := "/cases/" + c.ID
		reporter := e.signedIn(kasuhara.RoleEmployee)
		mustNot(t, reporter.get(path), `id="checkin"`, `id="checkin-due"`)

		// A month later the daily job asks.
		if err := e.db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE cases SET created_at = $1 WHERE id = $2", time.Now().AddDate(0, 0, -30), c.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.st.AskCheckins(ctx); err != nil || n != 1 {
			t.Fatalf("AskCheckins = %d, %v", n, err)
		}
		page := reporter.get(path)
		must(t, page, 200, `id="checkin-due"`, `id="checkin"`, "報告から30日が経ちました", "上司には伝わりません")
		if !strings.Contains(sectionOf(t, page.body, "reporter"), `id="section-reporter" open`) {
			t.Error("the reporter's section with the question is not open")
		}
		for _, r := range []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleSupervisor} {
			mustNot(t, e.signedIn(r).get(path), `id="checkins"`, `id="checkin"`, "報告後の確認")
		}
		got := reporter.get("/api/v1/cases/" + c.ID + "/checkins")
		must(t, got, 200, `"day":30`)
		mustNot(t, got, `"answer"`)

		// Bad input names the field; the answer is kept once.
		must(t, reporter.post(path+"/checkin", url.Values{"answer": {"perhaps"}}), 422, "回答")
		must(t, reporter.post(path+"/checkin", url.Values{"answer": {"yes"}, "body": {"シフトを減らされた"}}), 303)
		page = reporter.get(path)
		must(t, page, 200, "法務・人事に伝えました")
		mustNot(t, page, `id="checkin"`)
		must(t, reporter.post(path+"/checkin", url.Values{"answer": {"no"}}), 409)

		legal := e.signedIn(kasuhara.RoleLegal)
		must(t, legal.get("/retaliation"), 200, c.Ref, "シフトを減らされた")
		must(t, legal.get(path), 200, `id="checkins"`, "30日後", "不利益な取扱いあり")
		must(t, legal.get("/api/v1/cases/"+c.ID+"/checkins"), 200, `"answer":"yes"`)
		must(t, e.signedIn(kasuhara.RoleDesk).get("/api/v1/cases/"+c.ID+"/checkins"), 403)

		// Legal records what was done about the alarm; the desk cannot.
		fs, err := e.st.RetaliationFlags(ctx, e.actor(kasuhara.RoleLegal))
		if err != nil || len(fs) != 1 {
			t.Fatalf("alarms = %+v, %v", fs, err)
		}
		handle := "/retaliation/" + fs[0].ID + "/handle"
		must(t, e.signedIn(kasuhara.RoleDesk).post(handle, url.Values{"note": {"面談した"}}), 403)
		must(t, legal.post(handle, url.Values{"note": {""}}), 422)
		must(t, legal.post(handle, url.Values{"note": {"本人と面談し、シフトを元に戻した"}}), 303)
		page = legal.get("/retaliation")
		must(t, page, 200, "対応済み", "本人と面談し、シフトを元に戻した")
		mustNot(t, page, `action="`+handle+`"`)

		// The administrator sets the days; a wrong one is named.
		admin := e.signedIn(kasuhara.RoleAdmin)
		form := url.Values{"acknowledge": {"1bd"}, "feedback": {"7d"}, "contact_limit_minutes": {"30"}, "review_incidents": {"3"},
			"review_window_days": {"90"}, "checkin_days": {"14, 0"}}
		must(t, admin.post("/admin/settings?org=acme", form), 422, "報告者に確認する日")
		form.Set("checkin_days", "１４、６０")
		form.Set("contact_hours", "平日9時〜17時")
		must(t, admin.post("/admin/settings?org=acme", form), 303)
		must(t, admin.get("/admin/settings?org=acme"), 200, `value="14, 60"`, `value="平日9時〜17時"`)
		st, err := e.st.Settings(ctx, e.org.ID)
		if err != nil || st.Sender.Hours != "平日9時〜17時" {
			t.Fatalf("the desk's hours read back %q, %v", st.Sender.Hours, err)
		}
	})
}
