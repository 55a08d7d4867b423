package web_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
				var both [2]*env
				key := []byte("the servers' shared client key!!")
				for i := range both {
					d := e.srv.Deps
					d.Registry, d.Now = nil, func() time.Time { return stopped }
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
