package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/store"
)

// TestQueueCaseNumberAndHome: a case number typed into the queue's search
// opens the case, however it is written; a case the viewer may not see
// (another organisation's, or one they are excluded from) is not found and
// is not counted on their home; the queue's new filters are checked; the
// supervisor's home shows counts, no narrative; the administrator's home
// shows the setup checklist.
func TestQueueCaseNumberAndHome(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, emp, kasuhara.Report{OccurredAt: time.Now().Add(-2 * time.Hour), Channel: "phone",
		Subtypes: []string{"insult"}, Conduct: "電話で「無能」と繰り返し罵倒された"})
	if err != nil {
		t.Fatal(err)
	}
	desk := e.client()
	desk.signInAs(kasuhara.RoleDesk)
	num := strings.TrimPrefix(c.Ref, "K-")
	wide := strings.NewReplacer("0", "０", "1", "１", "2", "２", "3", "３", "4", "４", "5", "５", "6", "６", "7", "７", "8", "８", "9", "９", "-", "−").Replace(num)
	for _, typed := range []string{c.Ref, num, strings.ReplaceAll(num, "-", ""), wide, strings.ToLower(c.Ref)} {
		r := desk.get("/cases?q=" + url.QueryEscape(typed))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/cases/"+c.ID {
			t.Errorf("search %q: %d → %q, want the case", typed, r.status, r.header.Get("Location"))
		}
	}
	must(t, desk.get("/cases?q="+url.QueryEscape("K-2026-99999")), http.StatusNotFound)
	must(t, desk.get("/cases?due=someday"), http.StatusUnprocessableEntity, `id="f-due"`)
	must(t, desk.get("/cases?sort=deadline"), http.StatusOK, c.Ref, "次の期限", "残り")
	must(t, desk.get("/"), http.StatusOK, `id="figure-new" data-count="1"`)

	// A second desk member excluded from the case neither finds nor counts it.
	other, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk2@acme.example", Name: "User desk2",
		Password: password, OrgID: e.org.ID, Role: kasuhara.RoleDesk})
	if err != nil {
		t.Fatal(err)
	}
	legal := e.actor(kasuhara.RoleLegal)
	if _, err := e.st.Exclude(ctx, legal, c.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	desk2 := e.client()
	must(t, desk2.signIn("desk2@acme.example", password), http.StatusSeeOther)
	must(t, desk2.get("/cases?q="+url.QueryEscape(c.Ref)), http.StatusNotFound)
	must(t, desk2.get("/"), http.StatusOK, `id="figure-new" data-count="0"`)
	// Nor does another organisation's administrator or anyone without a queue.
	emp2 := e.client()
	emp2.signInAs(kasuhara.RoleEmployee)
	must(t, emp2.get("/cases?q="+url.QueryEscape(c.Ref)), http.StatusForbidden)
	home := emp2.get("/")
	must(t, home, http.StatusOK, `href="/report"`)
	mustNot(t, home, `id="figures"`, `id="setup"`)

	// The supervisor's home: counts without content.
	boss := e.client()
	boss.signInAs(kasuhara.RoleSupervisor)
	r := boss.get("/")
	must(t, r, http.StatusOK)
	mustNot(t, r, "無能", c.Ref)

	// The administrator's home: the setup checklist, nothing of the cases.
	adm := e.client()
	adm.signInAs(kasuhara.RoleAdmin)
	r = adm.get("/")
	must(t, r, http.StatusOK, `id="setup"`, `id="setup-desk" data-done="true"`, `id="setup-legal" data-done="true"`,
		`id="setup-org" data-done="false"`, `id="setup-mail" data-done="false"`, `id="setup-backup" data-done="false"`)
	mustNot(t, r, `id="figures"`, c.Ref)
	if err := e.st.RecordBackup(ctx, store.BackupCopy); err != nil {
		t.Fatal(err)
	}
	must(t, adm.get("/"), http.StatusOK, `id="setup-backup" data-done="true"`, "最終：")
}

// The setup checklist asks for the people the access matrix needs: a
// handler who approves no measure (the desk) and an approver (legal); a
// legal member alone leaves the desk's item open, so that the work and its
// approval are two persons.
func TestSetupChecklistByTheMatrix(t *testing.T) {
	onEachEngine(t, setupChecklistByTheMatrix)
}

func setupChecklistByTheMatrix(t *testing.T, e *env) {
	adm := e.client()
	must(t, adm.signIn("admin@retail.example", password), http.StatusSeeOther)
	must(t, adm.get("/"), http.StatusOK, `id="setup-desk" data-done="false"`, `id="setup-legal" data-done="false"`)
	if _, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal@retail.example", Name: "法務", Password: password,
		OrgID: e.sub.ID, Role: kasuhara.RoleLegal}); err != nil {
		t.Fatal(err)
	}
	must(t, adm.get("/"), http.StatusOK, `id="setup-desk" data-done="false"`, `id="setup-legal" data-done="true"`)
	if _, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "desk@retail.example", Name: "窓口", Password: password,
		OrgID: e.sub.ID, Role: kasuhara.RoleDesk}); err != nil {
		t.Fatal(err)
	}
	must(t, adm.get("/"), http.StatusOK, `id="setup-desk" data-done="true"`, `id="setup-legal" data-done="true"`)
}
