package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestNULRefusedInAnyText (issue 16, finding 17): a NUL byte in any text a
// request carries, a JSON string at any depth or a form value, is refused
// with 422 naming the field before any handler stores it; PostgreSQL
// cannot keep one in text (a 500 before), SQLite would keep it. Nothing is
// stored. Text without NUL still goes through.
func TestNULRefusedInAnyText(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		count := func(table string) int {
			t.Helper()
			var n int
			if err := e.st.DB().Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		emp, desk := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk)
		must(t, emp.call("POST", "/api/v1/reports", validReport()), 201)
		list := desk.call("GET", "/api/v1/customers?q=09011112222", nil)
		id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(list.body)[1]

		// The API: a measure's reason, and a report's nested customer name.
		r := desk.call("POST", "/api/v1/customers/"+id+"/measures", map[string]string{"level": "watch", "reason": "様子\x00見", "review_at": "2099-01-01"})
		must(t, r, http.StatusUnprocessableEntity, `"reason"`)
		mustNot(t, r, `"body"`)
		if n := count("measures"); n != 0 {
			t.Fatalf("%d measures stored from a reason with NUL", n)
		}
		rep := validReport()
		rep["customer"] = map[string]string{"name": "佐藤\x00一郎", "phone": "090-1111-3333"}
		must(t, emp.call("POST", "/api/v1/reports", rep), http.StatusUnprocessableEntity, `"customer.name"`)
		if n := count("cases"); n != 1 {
			t.Fatalf("%d cases, want the first one only", n)
		}
		// The escape as text (a backslash, then u0000) is no NUL.
		must(t, desk.call("POST", "/api/v1/customers/"+id+"/measures", map[string]string{"level": "watch", "reason": `様子\u0000見`, "review_at": "2099-01-01"}), 201)

		// A form: a policy's title.
		admin := e.signedIn(kasuhara.RoleAdmin)
		before := count("policy_documents")
		r = admin.post("/admin/policies", url.Values{"kind": {"basic_policy"}, "title_ja": {"方針\x00"}})
		must(t, r, http.StatusUnprocessableEntity, "title_ja")
		if n := count("policy_documents"); n != before {
			t.Fatalf("a policy was stored from a title with NUL (%d, was %d)", n, before)
		}
		// A form that does not parse is 400, not an internal error.
		r = admin.do("POST", "/admin/policies", strings.NewReader("kind=%zz"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		must(t, r, http.StatusBadRequest)
		// And a query string.
		must(t, desk.call("GET", "/api/v1/cases?q=%00", nil), http.StatusUnprocessableEntity, `"q"`)
	})
}
