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

// TestReportTextWithNULNamesTheField: a NUL in a report's text is the NUL
// field error naming the field, not "is malformed" and never a 500, on the
// API and on the report forms (multipart, which refuseNUL leaves to the
// service), in both languages; nothing is filed.
func TestReportTextWithNULNamesTheField(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		cases := func() int {
			t.Helper()
			var n int
			if err := e.st.DB().Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		rep := validReport()
		rep["conduct"] = "怒鳴\x00られた"
		r := e.api(kasuhara.RoleEmployee).call("POST", "/api/v1/reports", rep)
		must(t, r, http.StatusUnprocessableEntity, `"conduct":"must not contain a NUL character"`)
		mustNot(t, r, "is malformed")

		fields := func(conduct, key string) map[string][]string {
			return map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"phone"}, "subtypes": {"insult"},
				"conduct": {conduct}, "location": {"レジ\x00前"}, "idempotency_key": {key}}
		}
		emp := e.signedIn(kasuhara.RoleEmployee)
		anon := e.client()
		for _, c := range []struct {
			who           *client
			path, lang    string
			want, notWant string
		}{
			{emp, "/report", "", "NUL文字を含めることはできません", "形式が正しくありません"},
			{emp, "/report", "en", "must not contain a NUL character", "is malformed"},
			{anon, "/o/acme/report", "", "NUL文字を含めることはできません", "形式が正しくありません"},
			{anon, "/o/acme/report", "en", "must not contain a NUL character", "is malformed"},
		} {
			body, ct := multipartBody(t, fields("怒鳴\x00られた", "nul-"+c.path+c.lang), nil)
			hdr := map[string]string{"Content-Type": ct}
			if c.lang != "" {
				hdr["Accept-Language"] = c.lang
			}
			r := c.who.do("POST", c.path, body, hdr)
			must(t, r, http.StatusUnprocessableEntity, c.want, `href="#conduct"`, `href="#location"`)
			mustNot(t, r, c.notWant)
		}
		if n := cases(); n != 0 {
			t.Fatalf("%d cases filed from texts with NUL", n)
		}
	})
}
