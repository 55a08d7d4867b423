package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

func TestAPIAuthentication(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleDesk].ID, "phone")
		if err != nil {
			t.Fatal(err)
		}
		c := e.client()
		tests := []struct {
			name   string
			hdr    map[string]string
			status int
			code   string
		}{
			{"no credentials", nil, 401, "unauthenticated"},
			{"basic auth", map[string]string{"Authorization": "Basic eDp5"}, 401, "unauthenticated"},
			{"wrong token", map[string]string{"Authorization": "Bearer ksh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, "unauthenticated"},
			{"valid token", map[string]string{"Authorization": "Bearer " + tok}, 200, ""},
		}
		for _, tt := range tests {
			r := c.do("GET", "/api/v1/me", nil, tt.hdr)
			if r.status != tt.status {
				t.Fatalf("%s: %d, want %d: %s", tt.name, r.status, tt.status, r.body)
			}
			m := decode(t, r.body)
			if tt.code != "" {
				errObj, _ := m["error"].(map[string]any)
				if errObj["code"] != tt.code || errObj["message"] == "" {
					t.Fatalf("%s: body %s", tt.name, r.body)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Fatalf("%s: 401 without WWW-Authenticate", tt.name)
				}
				continue
			}
			org, _ := m["org"].(map[string]any)
			if m["email"] != "desk@acme.example" || m["role"] != "desk" || org["slug"] != "acme" {
				t.Fatalf("me = %s", r.body)
			}
		}
		// A revoked token stops working at once.
		ts, _ := e.st.Tokens(ctx, e.users[kasuhara.RoleDesk].ID)
		if err := e.st.RevokeToken(ctx, kasuhara.CLIActor, e.users[kasuhara.RoleDesk].ID, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		if r := c.do("GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + tok}); r.status != 401 {
			t.Fatalf("revoked token: %d", r.status)
		}
	})
}

func TestAPIErrors(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	r := c.get("/api/v1/nothing-here")
	if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("unknown API route: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if decode(t, r.body)["error"].(map[string]any)["code"] != "not_found" {
		t.Fatal(r.body)
	}
	// English by default, Japanese when asked.
	r = c.get("/api/v1/me")
	if msg := decode(t, r.body)["error"].(map[string]any)["message"]; msg != "Please sign in." {
		t.Fatalf("message %q", msg)
	}
	r = c.do("GET", "/api/v1/me", nil, map[string]string{"Accept-Language": "ja"})
	if msg := decode(t, r.body)["error"].(map[string]any)["message"]; msg != "ログインしてください。" {
		t.Fatalf("message %q", msg)
	}
	// The web session works for the API too.
	c.signInAs(kasuhara.RoleAnalyst)
	must(t, c.get("/api/v1/me"), 200, `"role":"analyst"`)
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	r := e.client().get("/api/v1/openapi.json")
	must(t, r, 200, `"openapi": "3.1.0"`)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	patterns := e.srv.APIPatterns()
	if len(patterns) < 2 {
		t.Fatalf("only %d API routes recorded", len(patterns))
	}
	documented := 0
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s is not in openapi.json", p)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("route %s: method not in openapi.json", p)
		}
		documented++
	}
	// And nothing is documented that does not exist.
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if n != len(patterns) {
		t.Errorf("openapi.json has %d operations, the server %d routes", n, len(patterns))
	}
	_ = http.StatusOK
}
