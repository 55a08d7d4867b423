package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestCustomerLookupAndApprovalAPI(t *testing.T) {
	for _, eng := range testdb.Engines {
		t.Run(string(eng), func(t *testing.T) {
			e := newEnv(t, eng)
			emp, desk, legal := e.api(kasuhara.RoleEmployee), e.api(kasuhara.RoleDesk), e.api(kasuhara.RoleLegal)
			body := validReport()
			body["customer"] = map[string]string{"name": "鈴木 一郎", "phone": "080-9999-0000", "email": "ichiro@example.jp", "account": "M-1001"}
			must(t, emp.call("POST", "/api/v1/reports", body), 201)
			list := desk.call("GET", "/api/v1/customers?q="+url.QueryEscape("鈴木　一郎"), nil)
			must(t, list, 200, `"incident_count":1`, "鈴木")
			id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(list.body)[1]
			must(t, emp.call("GET", "/api/v1/customers", nil), http.StatusForbidden)
			must(t, emp.call("GET", "/api/v1/customers/"+id, nil), http.StatusForbidden)

			review := time.Now().AddDate(0, 3, 0).Format(time.RFC3339)
			r := legal.call("POST", "/api/v1/customers/"+id+"/measures", map[string]any{"level": "discontinued", "reason": "再三の警告後も継続", "review_at": review})
			must(t, r, 201, `"status":"proposed"`)
			mid := decode(t, r.body)["id"].(string)
			must(t, legal.call("POST", "/api/v1/customers/"+id+"/measures/"+mid+"/approve", nil), http.StatusForbidden)
			must(t, desk.call("POST", "/api/v1/customers/"+id+"/measures/"+mid+"/approve", nil), http.StatusForbidden)
			lookup := emp.call("GET", "/api/v1/customers/lookup?phone=08099990000", nil)
			must(t, lookup, 200, `"status":"none"`)
			// A second legal person approves.
			u, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@acme.example", Name: "Legal Two", Password: password, OrgID: e.org.ID, Role: kasuhara.RoleLegal})
			if err != nil {
				t.Fatal(err)
			}
			_, tok, _ := e.st.CreateToken(ctx, kasuhara.CLIActor, u.ID, "")
			legal2 := &apiClient{c: e.client(), tok: tok}
			must(t, legal2.call("POST", "/api/v1/customers/"+id+"/measures/"+mid+"/approve", nil), 200, `"status":"active"`)
			for _, q := range []string{"phone=080-9999-0000", "phone=%2B81%2080%209999%200000", "email=ICHIRO@example.jp", "account=m1001"} {
				r := emp.call("GET", "/api/v1/customers/lookup?"+q, nil)
				must(t, r, 200, `"status":"discontinued"`, `"instructions":"Contact discontinued.`)
				// Nothing but the status and the instructions.
				mustNot(t, r, "鈴木", "ichiro", "1001", id, "再三")
				if n := len(decode(t, r.body)); n != 2 {
					t.Fatalf("lookup answered %d fields: %s", n, r.body)
				}
			}
			must(t, emp.call("GET", "/api/v1/customers/lookup", nil), 422)
			must(t, desk.call("GET", "/api/v1/customers/"+id, nil), 200, `"measure":"discontinued"`, `"reporter_count":1`)
		})
	}
}

func TestLookupIsRateLimited(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp := e.api(kasuhara.RoleEmployee)
	got := map[int]int{}
	for range 32 {
		got[emp.call("GET", "/api/v1/customers/lookup?phone=090-1111-2222", nil).status]++
	}
	if got[200] != 30 || got[429] != 2 {
		t.Fatalf("statuses %v, want 30×200 then 429", got)
	}
}

func TestTimerPrefillsReport(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.client()
	c.signInAs(kasuhara.RoleEmployee)
	must(t, c.get("/timer"), 200, `data-limit="30"`, "対応タイマー")
	r := c.get("/report?channel=phone&duration=42&started=2026-11-27T01:00:00Z&subtype=long_contact")
	must(t, r, 200, `value="phone" checked`, `value="42"`, `value="2026-11-27T10:00"`, `id="subtype-long_contact" checked`)
	// Nonsense in the query is ignored, not echoed.
	r = c.get("/report?channel=pigeon&duration=-5&started=yesterday")
	mustNot(t, r, `value="pigeon"`, `value="-5"`, `value="yesterday"`, " checked>")
}
