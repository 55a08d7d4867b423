package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testclock"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

// TestAnonymousFloodIsHeldNotRefused is issue 16's finding 8, second half:
// the anonymous channel could be shut for everyone. Past the hourly budget
// of all clients together, reports are still taken, with a receipt, and
// held for the desk's review without a notification each; wrong receipts
// slow their client down but never lock the right receipt out for long.
func TestAnonymousFloodIsHeldNotRefused(t *testing.T) {
	testdb.Each(t, testAnonymousFlood)
}

func testAnonymousFlood(t *testing.T, eng sqldb.Engine) {
	clk := testclock.New(time.Now())
	e := newEnv(t, eng, func(d *web.Deps) { d.Now, d.AnonymousBudget = clk.Now, 3 })
	body := validReport()
	body["org"] = "acme"
	file := func(c *client) resp {
		return c.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"})
	}
	var receipts []string
	for i := range 5 {
		// Each from a client of its own as far as the per-client limit
		// goes: the budget counts them all.
		r := file(e.client())
		must(t, r, http.StatusCreated, `"receipt"`)
		m := decode(t, r.body)
		if held := m["held_for_review"].(bool); held != (i >= 3) {
			t.Fatalf("report %d: held_for_review = %v, want %v", i+1, held, i >= 3)
		}
		receipts = append(receipts, m["receipt"].(string))
	}
	// The desk sees the held ones marked; they were not notified of them.
	desk := e.api(kasuhara.RoleDesk)
	list := desk.call("GET", "/api/v1/cases", nil)
	if n := strings.Count(list.body, `"held_for_review":true`); n != 2 {
		t.Fatalf("%d cases held, want 2:\n%s", n, list.body)
	}
	var events int
	if err := e.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2", notify.KindEvent, "%"+notify.CaseReported+"%").Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 3 {
		t.Fatalf("%d report notifications, want 3 (none for the held ones)", events)
	}
	held, err := e.st.CaseByReceipt(ctx, receipts[4])
	if err != nil || !held.HeldForReview {
		t.Fatalf("the fifth case: %+v, %v", held, err)
	}
	page := e.signedIn(kasuhara.RoleDesk)
	must(t, page.get("/cases/"+held.ID), 200, `id="case-held"`, "大量受付時の保留")
	must(t, page.get("/cases"), 200, "大量受付時の保留")
	// The page's receipt says it is held.
	anon := e.client()
	form, ct := multipartBody(t, map[string][]string{"occurred_at": {clk.Now().Add(-time.Hour).In(kasuhara.JST).Format("2006-01-02T15:04")},
		"channel": {"phone"}, "subtypes": {"insult"}, "conduct": {"「役立たず」と言われた"}}, nil)
	r := anon.do("POST", "/o/acme/report", form, map[string]string{"Content-Type": ct})
	must(t, r, http.StatusCreated, `id="held-note"`, `id="receipt"`)
	// The same through the form's post/redirect/get: the receipt page
	// after the redirect, and its language switch, still say it is held.
	form, ct = multipartBody(t, map[string][]string{"occurred_at": {clk.Now().Add(-time.Hour).In(kasuhara.JST).Format("2006-01-02T15:04")},
		"channel": {"phone"}, "subtypes": {"insult"}, "conduct": {"「役立たず」と二度言われた"}, "idempotency_key": {"flood-form-key"}}, nil)
	must(t, anon.do("POST", "/o/acme/report", form, map[string]string{"Content-Type": ct}), http.StatusSeeOther)
	r = anon.get("/o/acme/receipt")
	must(t, r, http.StatusOK, `id="held-note"`, `id="receipt"`, `name="held" value="1"`)
	mustNot(t, anon.get("/o/acme/receipt"), `id="held-note"`)
	// An hour later the budget is back.
	clk.Advance(time.Hour + time.Second)
	if m := decode(t, file(e.client()).body); m["held_for_review"].(bool) {
		t.Fatal("still held an hour later")
	}

	// Wrong receipts slow their client down; the right one works again
	// within a minute, however many wrong ones came before.
	call := func(receipt string) resp {
		return anon.do("POST", "/api/v1/anonymous-reports/status", strings.NewReader(mustJSON(map[string]string{"receipt": receipt})),
			map[string]string{"Content-Type": "application/json"})
	}
	for range 10 {
		must(t, call("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"), http.StatusNotFound)
	}
	r = call(receipts[0])
	must(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
	for range 20 {
		clk.Advance(61 * time.Second)
		must(t, call("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"), http.StatusNotFound)
	}
	must(t, call(receipts[0]), http.StatusTooManyRequests)
	clk.Advance(61 * time.Second)
	must(t, call(receipts[0]), http.StatusOK, `"state":"new"`)
}
