package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestPickers: a case is chosen by its number and a customer by name, never
// by an internal id; the pickers answer only what the viewer may see, and
// work without JavaScript (a number typed, a customer search as a form).
func TestPickers(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, emp, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "電話口で怒鳴られた",
		Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}, Customer: kasuhara.CustomerDetails{Name: "山田 太郎", Phone: "090-1234-5678"}})
	if err != nil {
		t.Fatal(err)
	}
	serial := c.Ref[len(c.Ref)-5:]
	desk, legal, admin, sup := e.client(), e.client(), e.client(), e.client()
	desk.signInAs(kasuhara.RoleDesk)
	legal.signInAs(kasuhara.RoleLegal)
	admin.signInAs(kasuhara.RoleAdmin)
	sup.signInAs(kasuhara.RoleSupervisor)

	// The case picker: by a part of the number, for those who see the case.
	must(t, desk.get("/pick/cases?case="+serial), 200, `<option value="`+c.Ref+`">`)
	mustNot(t, desk.get("/pick/cases?case="+serial), c.ID, "怒鳴")
	mustNot(t, sup.get("/pick/cases?case="+serial), c.Ref) // no department of theirs
	mustNot(t, admin.get("/pick/cases?case="+c.Ref), c.Ref)

	// An online post linked to the case by its number as typed.
	page := desk.get("/online-posts")
	must(t, page, 200, `name="case"`, `hx-get="/pick/cases"`)
	mustNot(t, page, `name="case_id"`)
	r := desk.post("/online-posts", url.Values{"url": {"https://sns.example/p/1"}, "case": {strings.ToLower(strings.ReplaceAll(c.Ref, "-", ""))}})
	must(t, r, http.StatusSeeOther)
	id := strings.TrimPrefix(r.header.Get("Location"), "/online-posts/")
	p, err := e.st.PostByID(ctx, e.actor(kasuhara.RoleDesk), id)
	if err != nil || p.CaseID != c.ID {
		t.Fatalf("post %s linked to %q (%v), want the case %s", id, p.CaseID, err, c.Ref)
	}
	r = desk.post("/online-posts", url.Values{"url": {"https://sns.example/p/2"}, "case": {"K-1999-00001"}})
	must(t, r, http.StatusUnprocessableEntity, "該当する名前や番号が見つかりません", `value="K-1999-00001"`)

	// The customer picker: legal finds the customer by name, the admin may
	// not search the registry.
	r = legal.get("/pick/customers?name=customer&customer_q=" + url.QueryEscape("山田"))
	must(t, r, 200, "山田 太郎", `type="radio" name="customer"`, "事案1件")
	must(t, admin.get("/pick/customers?customer_q="+url.QueryEscape("山田")), http.StatusForbidden)
	// Without JavaScript: the retention page searched, then the hold placed.
	r = legal.get("/retention?customer_q=" + url.QueryEscape("山田"))
	must(t, r, 200, "山田 太郎", `type="radio" name="customer"`)
	if strings.Contains(r.body, "顧客ID") {
		t.Fatal("the retention page still asks for a customer id")
	}
	cs, err := e.st.Customers(ctx, e.actor(kasuhara.RoleLegal), "山田")
	if err != nil || len(cs) != 1 {
		t.Fatalf("customers: %v, %v", cs, err)
	}
	must(t, legal.post("/retention/holds", url.Values{"customer": {cs[0].ID}, "reason": {"訴訟の準備"}}), http.StatusSeeOther)
	// A case hold by the number typed in full-width digits.
	full := "Ｋ－" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, c.Ref[2:6]) + "－" + serial
	must(t, legal.post("/retention/holds", url.Values{"case": {full}, "reason": {"証拠保全"}}), http.StatusSeeOther)
	hs, err := e.st.Holds(ctx, e.actor(kasuhara.RoleLegal))
	if err != nil || len(hs) != 2 {
		t.Fatalf("holds: %+v, %v", hs, err)
	}
}
