package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

// TestThrottlesHoldAcrossServers (issue 24): two servers on one database
// with the store's throttles count as one: wrong receipts and wrong
// passwords spread over both are slowed down and blocked as on one server.
// With the in-process limiters (the control) each server counts alone and
// the same requests are not throttled, so the test can fail.
func TestThrottlesHoldAcrossServers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		for _, shared := range []bool{true, false} {
			t.Run(map[bool]string{true: "shared", false: "in-process"}[shared], func(t *testing.T) {
				e := newEnv(t, eng)
				// Stopped clocks: the wrong receipts below are all "at once".
				stopped := time.Now()
				e.st.Now = func() time.Time { return stopped }
				both := twoServers(t, e, shared, func() time.Time { return stopped })
				clients := [2]*client{both[0].client(), both[1].client()}
				call := func(i int) resp {
					return clients[i%2].do("POST", "/api/v1/anonymous-reports/status", strings.NewReader(mustJSON(map[string]string{"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"})),
						map[string]string{"Content-Type": "application/json"})
				}
				var receipts []int
				for i := range 12 {
					receipts = append(receipts, call(i).status)
				}
				var logins []int
				for i := range 8 {
					logins = append(logins, clients[i%2].signIn("desk@acme.example", "wrong password").status)
				}
				gotR, gotL := strings.Trim(fmt.Sprint(receipts), "[]"), strings.Trim(fmt.Sprint(logins), "[]")
				wantR := "404 404 404 404 404 404 404 404 404 404 429 429"
				wantL := "401 401 401 401 401 429 429 429"
				if !shared {
					wantR = strings.Repeat("404 ", 11) + "404"
					wantL = strings.Repeat("401 ", 7) + "401"
				}
				if gotR != wantR {
					t.Errorf("wrong receipts over two servers: %s, want %s", gotR, wantR)
				}
				if gotL != wantL {
					t.Errorf("wrong passwords over two servers: %s, want %s", gotL, wantL)
				}
				var rows int
				if err := e.db.Read.QueryRow("SELECT COUNT(*) FROM throttle_failures WHERE key_hash LIKE '%acme%'").Scan(&rows); err != nil || rows != 0 {
					t.Fatalf("a throttle row names the account (%d, %v)", rows, err)
				}
			})
		}
	})
}

// twoServers starts two servers on e's store and database, as two
// processes behind a load balancer: with shared, on the store's throttles
// and one client key; else each with its own limiters in the process.
func twoServers(t *testing.T, e *env, shared bool, now func() time.Time) [2]*env {
	t.Helper()
	var both [2]*env
	key := []byte("the servers' shared client key!!")
	for i := range both {
		d := e.srv.Deps
		d.Registry, d.Now = nil, now
		if shared {
			th, err := e.st.Throttles(key)
			if err != nil {
				t.Fatal(err)
			}
			d.Throttles, d.ClientKey = th, key
		}
		srv, err := web.NewServer(d)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		one := *e
		one.srv, one.ts, one.url = srv, ts, ts.URL
		both[i] = &one
	}
	return both
}

// TestSessionsAndIdempotencyAcrossServers (issue 24): no sticky sessions
// are needed: a session begun on one server is the same on the other, and
// a report repeated with its idempotency key on the other server files
// nothing new.
func TestSessionsAndIdempotencyAcrossServers(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		both := twoServers(t, e, true, time.Now)
		c := both[0].client()
		c.signInAs(kasuhara.RoleDesk)
		c.e = both[1] // the cookie jar ignores the port: the same browser
		must(t, c.get("/cases"), http.StatusOK)
		c.e = both[0]
		must(t, c.post("/logout", nil), http.StatusSeeOther)
		c.e = both[1]
		if r := c.get("/cases"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Fatalf("after signing out on the first server the second answers %d %s", r.status, r.header.Get("Location"))
		}

		a := both[0].api(kasuhara.RoleEmployee)
		// One body for both: validReport's time moves with the clock, and
		// a repeat must be the same request.
		body := mustJSON(validReport())
		send := func(on *env) string {
			a.c.e = on
			r := a.c.do("POST", "/api/v1/reports", strings.NewReader(body),
				map[string]string{"Authorization": "Bearer " + a.tok, "Content-Type": "application/json", "Idempotency-Key": "same-report-key-0001"})
			if r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("report on %s: %d %s", on.url, r.status, r.body)
			}
			return decode(t, r.body)["id"].(string)
		}
		first, again := send(both[0]), send(both[1])
		if first != again {
			t.Fatalf("the repeat on the second server filed another case (%s, %s)", first, again)
		}
		var n int
		if err := e.db.Read.QueryRow("SELECT COUNT(*) FROM cases").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d cases (%v), want 1", n, err)
		}
	})
}
