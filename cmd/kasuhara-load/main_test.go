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

// TestRunDrivesSeveralServers: with two servers in --url every scenario's
// requests go to both in turn, so that each gets half of them.
func TestRunDrivesSeveralServers(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]map[string]int{} // server → scenario path → requests
	serve := func(name string) *httptest.Server {
		hits[name] = map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[name][r.Method+" "+r.URL.Path]++
			mu.Unlock()
			switch r.URL.Path {
			case "/api/v1/reports", "/api/v1/anonymous-reports":
				w.WriteHeader(http.StatusCreated)
				w.Write([]byte(`{"id":"x","receipt":"R1"}`))
			default:
				w.Write([]byte(`{"cases":[{"id":"c1"}],"next_cursor":""}`))
			}
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := serve("a"), serve("b")
	var out bytes.Buffer
	if err := run([]string{"--url", a.URL + "," + b.URL + "/", "--reporter-token", "r", "--desk-token", "d", "--duration", "300ms", "--clients", "2",
		"--baseline=false", "--scenarios", "intake,queue,anonymous"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), a.URL+", "+b.URL) {
		t.Errorf("the output does not name both servers:\n%s", out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"POST /api/v1/reports", "GET /api/v1/cases", "POST /api/v1/anonymous-reports/status"} {
		na, nb := hits["a"][path], hits["b"][path]
		if na == 0 || nb == 0 || max(na, nb)-min(na, nb) > max(na, nb)/10+2 {
			t.Errorf("%s: %d requests to the first server, %d to the second; want about half each", path, na, nb)
		}
	}
}
