package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// A report taken on behalf is filed once per drawing of its form (two taps,
// a reload); a role that may not take one is refused before anything is
// read; bad input names the fields and keeps what was typed.
func TestOnBehalfForm(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		sup := e.client()
		sup.signInAs(kasuhara.RoleSupervisor)
		must(t, sup.get("/report/on-behalf"), http.StatusOK, `name="employee"`, `name="received_via"`, `name="idempotency_key"`)
		fields := map[string][]string{"occurred_at": {e.srvNow().In(kasuhara.JST).Format("2006-01-02T15:04")}, "channel": {"phone"},
			"subtypes": {"insult"}, "conduct": {"電話で聞いた：「役立たず」と言われた"}, "employee": {"employee@acme.example"},
			"received_via": {"phone"}, "idempotency_key": {"k-behalf-1"},
			"location": {"本店レジ"}, "customer_name": {"山田太郎"}, "customer_phone": {"090-1111-2222"}}
		send := func(c *client, f map[string][]string) resp {
			body, ct := multipartBody(t, f, nil)
			return c.do("POST", "/report/on-behalf", body, map[string]string{"Content-Type": ct})
		}
		first := send(sup, fields)
		must(t, first, http.StatusSeeOther)
		again := send(sup, fields)
		must(t, again, http.StatusSeeOther)
		if loc := first.header.Get("Location"); !strings.HasPrefix(loc, "/recorded/") || again.header.Get("Location") != loc {
			t.Fatalf("the repeat leads to %q, the first to %q", again.header.Get("Location"), loc)
		}
		list := sup.get("/recorded")
		if n := strings.Count(list.body, `href="/recorded/`); n != 1 {
			t.Errorf("the recorder lists %d reports after a repeat, want 1", n)
		}
		// The recorded report shows what was typed, the customer too.
		must(t, sup.get(first.header.Get("Location")), http.StatusOK, "「役立たず」と言われた", "User employee",
			"本店レジ", "山田太郎", "090-1111-2222")
		// The employee has it among their reports.
		emp := e.client()
		emp.signInAs(kasuhara.RoleEmployee)
		mine := emp.get("/reports")
		if !strings.Contains(mine.body, "K-") {
			t.Errorf("the employee's reports lack the case: %s", mine.body)
		}
		// Bad input: every field named, what was typed kept, nothing filed.
		bad := map[string][]string{"conduct": {"聞き取った内容"}, "employee": {"nobody@acme.example"}, "received_via": {"fax"},
			"idempotency_key": {"k-behalf-2"}}
		must(t, send(sup, bad), http.StatusUnprocessableEntity, `href="#employee"`, `href="#received_via"`, "聞き取った内容", `value="nobody@acme.example"`)
		if n := strings.Count(sup.get("/recorded").body, `href="/recorded/`); n != 1 {
			t.Errorf("a refused form filed a report: %d listed", n)
		}
		// An employee may not take reports on behalf.
		must(t, send(emp, fields), http.StatusForbidden)
		must(t, emp.get("/report/on-behalf"), http.StatusForbidden)
	})
}
