package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRunReportsEveryScenario runs the tool briefly against a stand-in of
// the API and the real baseline: every scenario has its line, the stand-in
// sees the requests the scenarios promise, and the ratio is printed.
func TestRunReportsEveryScenario(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	mark := func(s string) { mu.Lock(); seen[s] = true; mu.Unlock() }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/anonymous-reports":
			mark("anonymous report")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"receipt":"R1"}`))
			return
		case r.Method == "POST" && r.URL.Path == "/api/v1/anonymous-reports/status":
			if !strings.Contains(readAll(r), `"receipt":"R1"`) {
				http.Error(w, "unknown receipt", http.StatusNotFound)
				return
			}
			mark("anonymous status")
			w.Write([]byte(`{"ref":"K-1"}`))
			return
		}
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/reports":
			mark("intake")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"x"}`))
		case r.URL.Path == "/api/v1/cases" && r.URL.Query().Get("q") == "土下座":
			mark("search")
			w.Write([]byte(`{"cases":[{"id":"c1"}],"next_cursor":""}`))
		case r.URL.Path == "/api/v1/cases":
			mark("list")
			w.Write([]byte(`{"cases":[{"id":"c1"},{"id":"c2"}],"next_cursor":""}`))
		case strings.HasPrefix(r.URL.Path, "/api/v1/cases/"):
			mark("case")
			w.Write([]byte(`{}`))
		case r.URL.Path == "/api/v1/customers":
			mark("customers")
			w.Write([]byte(`{"customers":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var out bytes.Buffer
	if err := run([]string{"--url", srv.URL, "--reporter-token", "r", "--desk-token", "d", "--duration", "200ms", "--clients", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range append([]string{"baseline intake", "intake / baseline"}, Scenarios...) {
		if !strings.Contains(out.String(), s) {
			t.Errorf("no line for %s:\n%s", s, out.String())
		}
	}
	for _, s := range []string{"intake", "search", "list", "case", "customers", "anonymous report", "anonymous status"} {
		if !seen[s] {
			t.Errorf("the stand-in never saw %s", s)
		}
	}
	if err := run([]string{"--url", srv.URL, "--scenarios", "nonsense", "--baseline=false"}, &out); err == nil {
		t.Error("an unknown scenario is accepted")
	}
}

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}
