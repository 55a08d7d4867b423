package web_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

// sharedThrottleEnv is e with a server on the store's throttles, as serve
// runs it (cmd/kasuhara sharedThrottles): a receipt's slow-down is read
// from the database, and its statements are counted with the rest.
func sharedThrottleEnv(t *testing.T, e *env) *env {
	t.Helper()
	d := e.srv.Deps
	d.Registry = nil
	th, err := e.st.Throttles([]byte("the server's client key, 32 byte"))
	if err != nil {
		t.Fatal(err)
	}
	d.Throttles = th
	srv, err := web.NewServer(d)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	one := *e
	one.srv, one.ts, one.url = srv, ts, ts.URL
	return &one
}

// TestAnonStatusStatementCount counts the SQL statements of an anonymous
// status check (POST /api/v1/anonymous-reports/status, a right receipt, the
// second check of the receipt, so that nothing is first-time work), on a
// server with the shared throttles as serve runs it, so that the count
// cannot creep up. BEGIN and COMMIT are not counted on either engine.
// SQLite: the client's wrong receipts (one statement), the case with its
// messages, and the audit entry of the read (the chain's head read, the
// entry, the head written: shared by the checks of one group commit).
// PostgreSQL: the same and the chain's lock, sent with the head's read.
// It was 6 and 7: the wrong receipts' count and the last one's time read
// in two statements when there were any, the case and its messages in two.
func TestAnonStatusStatementCount(t *testing.T) {
	most := map[sqldb.Engine]int{sqldb.SQLite: 5, sqldb.Postgres: 6}
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		e := sharedThrottleEnv(t, newEnv(t, eng))
		anon, receipt, _ := anonymousWithMessage(t, e)
		check := func() resp {
			return anon.do("POST", "/api/v1/anonymous-reports/status", strings.NewReader(mustJSON(map[string]string{"receipt": receipt})),
				map[string]string{"Content-Type": "application/json"})
		}
		must(t, check(), 200, "詳しく教えていただけますか")
		stop := e.db.TraceStatements()
		must(t, check(), 200, "詳しく教えていただけますか")
		stmts := stop()
		for i, s := range stmts {
			t.Logf("%2d %.160s", i+1, strings.Join(strings.Fields(s), " "))
		}
		if len(stmts) > most[eng] {
			t.Errorf("a status check took %d statements; at most %d", len(stmts), most[eng])
		}
	})
}

// TestAnonStatusAuditedAndThrottled (issue 21): with a status check in one
// statement, a right receipt is still audited at every check, through the
// API and the page, in a chain that verifies; wrong receipts are still
// refused (404) and then slowed down (429), the right one too while the
// client waits, and a refused check is not audited. On both engines, on a
// server with the shared throttles as serve runs it.
func TestAnonStatusAuditedAndThrottled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		e := sharedThrottleEnv(t, newEnv(t, eng))
		// A stopped clock: the wrong receipts below are all "at once".
		stopped := time.Now()
		e.st.Now = func() time.Time { return stopped }
		anon, receipt, id := anonymousWithMessage(t, e)

		reads := func() int {
			t.Helper()
			var n int
			if err := e.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'case.read' AND object_id = $1
				AND actor_label = 'anonymous' AND actor_id = '' AND detail LIKE '%receipt%'`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		check := func(receipt string) resp {
			return anon.do("POST", "/api/v1/anonymous-reports/status", strings.NewReader(mustJSON(map[string]string{"receipt": receipt})),
				map[string]string{"Content-Type": "application/json"})
		}
		before := reads()
		for range 3 {
			must(t, check(receipt), 200, `"state":"new"`, "詳しく教えていただけますか", `"from_reporter":false`)
		}
		must(t, anon.post("/o/acme/status", url.Values{"receipt": {receipt}}), 200, "新規", "詳しく教えていただけますか")
		if got := reads() - before; got != 4 {
			t.Fatalf("4 status checks wrote %d audited reads", got)
		}

		wrong := receipt[:len(receipt)-1] + map[bool]string{true: "A", false: "B"}[receipt[len(receipt)-1] != 'A']
		var got []int
		for range 12 {
			got = append(got, check(wrong).status)
		}
		if want := "404 404 404 404 404 404 404 404 404 404 429 429"; strings.Trim(fmt.Sprint(got), "[]") != want {
			t.Fatalf("wrong receipts answered %v, want %s", got, want)
		}
		r := check(receipt)
		must(t, r, 429)
		mustNot(t, r, "詳しく教えていただけますか")
		must(t, anon.post("/o/acme/status", url.Values{"receipt": {receipt}}), 429)
		if got := reads() - before; got != 4 {
			t.Fatalf("refused checks were audited: %d audited reads, want 4", got)
		}
		if _, problem, err := e.st.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("the audit chain: %+v, %v", problem, err)
		}
	})
}

// anonymousWithMessage files an anonymous report to acme through the API
// and has the desk write to its reporter; it returns the reporter's client
// and receipt, and the case's id.
func anonymousWithMessage(t *testing.T, e *env) (*client, string, string) {
	t.Helper()
	anon := e.client()
	body := validReport()
	body["org"] = "acme"
	r := anon.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"})
	must(t, r, 201, `"receipt"`)
	receipt := decode(t, r.body)["receipt"].(string)
	desk := e.api(kasuhara.RoleDesk)
	id := decode(t, desk.call("GET", "/api/v1/cases", nil).body)["cases"].([]any)[0].(map[string]any)["id"].(string)
	must(t, desk.call("POST", "/api/v1/cases/"+id+"/messages", map[string]string{"body": "詳しく教えていただけますか"}), 201)
	return anon, receipt, id
}
