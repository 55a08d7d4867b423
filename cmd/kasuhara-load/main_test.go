package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
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

// TestGrownFilesThenSearches: the grown scenario files --grown-reports
// reports as the second organisation's employee, a sixth of them with
// 土下座, prints the filing's rate, then runs that desk's search and
// reports it as its figures.
func TestGrownFilesThenSearches(t *testing.T) {
	var mu sync.Mutex
	var filed, kneeling, searches, others int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/reports" && r.Header.Get("Authorization") == "Bearer gr":
			filed++
			if strings.Contains(readAll(r), "土下座") {
				kneeling++
			}
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"x"}`))
		case r.Method == "GET" && r.URL.Path == "/api/v1/cases" && r.Header.Get("Authorization") == "Bearer gd" &&
			r.URL.Query().Get("q") == "土下座" && r.URL.Query().Get("limit") == "20":
			searches++
			w.Write([]byte(`{"cases":[{"id":"c1"}],"next_cursor":""}`))
		default:
			others++
			http.Error(w, "not this", http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	var out bytes.Buffer
	if err := run([]string{"--url", srv.URL, "--scenarios", "grown", "--grown-reporter-token", "gr", "--grown-desk-token", "gd",
		"--grown-reports", "60", "--duration", "200ms", "--clients", "4", "--baseline=false"}, &out); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if filed != 60 || kneeling != 10 {
		t.Errorf("filed %d reports, %d with 土下座; want 60 and 10", filed, kneeling)
	}
	if searches == 0 || others != 0 {
		t.Errorf("%d searches by the grown desk, %d other requests; want some and none", searches, others)
	}
	for _, want := range []string{"grown: filed 60 reports", " 0 errors", "  grown  "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"--url", srv.URL, "--scenarios", "grown", "--grown-reporter-token", "gr", "--baseline=false"}, &out); err == nil ||
		!strings.Contains(err.Error(), "--grown-desk-token") {
		t.Errorf("grown without the desk's token: %v", err)
	}
}

// TestSoakBook: the soak's accounting by interval. A request over the
// stall and an error outside the restart put their interval in the
// verdict; errors and slow requests during the restart are counted apart
// and put nothing there.
func TestSoakBook(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ok := func(lat time.Duration) *vegeta.Result { return &vegeta.Result{Code: 200, Latency: lat} }
	failed := func(code uint16, e string) *vegeta.Result {
		return &vegeta.Result{Code: code, Error: e, Latency: 20 * time.Millisecond}
	}
	type add struct {
		scenario  int
		res       *vegeta.Result
		inRestart bool
	}
	for _, tc := range []struct {
		name      string
		intervals [][]add
		wantBad   bool
		wantLines int
		want      []string
		wantNot   []string
	}{
		{
			name: "a stall, an error, and a restart",
			intervals: [][]add{
				{{0, ok(10 * time.Millisecond), false}, {0, ok(6 * time.Second), false}, {1, failed(500, "500 Internal Server Error"), false}, {1, ok(time.Millisecond), false}},
				{{0, failed(0, "dial tcp: connection refused"), true}, {0, failed(0, "dial tcp: connection refused"), true}, {0, failed(503, ""), true},
					{0, ok(12 * time.Second), true}, {1, ok(2 * time.Millisecond), false}},
				{{0, ok(3 * time.Millisecond), false}, {1, ok(4 * time.Millisecond), false}},
			},
			wantBad:   true,
			wantLines: 10,
			want: []string{
				"verdict: 1 intervals with a stall (a request over 5s) or errors outside the restart:\n  0:00.0–1:00.0  queue: 1 over 5s, max 6.0 s | intake: 1 errors (500 ×1)\n",
				"1:00.0–2:00.0  queue             0        -        -         -       0        3\n",
				"0:00.0–1:00.0  queue             0     10.0   6000.0    6000.0       0        0\n",
				"0:00.0–1:00.0  intake            0      1.0     20.0      20.0       1        0\n",
				"restart: at 1:00.0, /healthz answered again 5.0 s later; 3 errors during the restart (not counted as stalls)",
			},
			wantNot: []string{"1:00.0–2:00.0  queue:", "2:00.0–3:00.0  queue:", "2:00.0–3:00.0  intake:"},
		},
		{
			name: "no stall",
			intervals: [][]add{
				{{0, ok(10 * time.Millisecond), false}, {1, ok(4900 * time.Millisecond), false}},
				{{0, ok(3 * time.Millisecond), false}},
			},
			wantLines: 7,
			want:      []string{"verdict: no stall: 3 requests, none over 5s and none failed outside the restart\n", "1:00.0–2:00.0  intake            0        -        -         -       0        0\n"},
			wantNot:   []string{"intervals with a stall"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newSoakBook([]string{"queue", "intake"}, 5*time.Second, t0)
			var out bytes.Buffer
			for i, adds := range tc.intervals {
				for _, a := range adds {
					b.add(a.scenario, a.res, a.inRestart)
				}
				b.close(t0.Add(time.Duration(i+1)*time.Minute), &out)
			}
			win := &restartWindow{from: t0.Add(time.Minute), until: t0.Add(time.Minute + 5*time.Second)}
			if got := b.verdict(&out, true, win); got != tc.wantBad {
				t.Errorf("verdict says bad = %v, want %v", got, tc.wantBad)
			}
			if got, want := strings.Count(out.String(), "\n"), tc.wantLines; got != want {
				t.Errorf("%d lines, want %d:\n%s", got, want, out.String())
			}
			for _, s := range tc.want {
				if !strings.Contains(out.String(), s) {
					t.Errorf("the output lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tc.wantNot {
				if strings.Contains(out.String(), s) {
					t.Errorf("the output has %q:\n%s", s, out.String())
				}
			}
		})
	}
}

// TestRestartWindowCovers: a request belongs to the restart if it overlaps
// the time from the command's start to the server's return, or if it ended
// after the start while the server has not returned yet.
func TestRestartWindowCovers(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	closed := &restartWindow{from: at(10), until: at(15)}
	open := &restartWindow{from: at(10)}
	for _, tc := range []struct {
		w          *restartWindow
		start, end float64
		want       bool
	}{
		{closed, 1, 9, false},
		{closed, 9, 11, true},
		{closed, 11, 12, true},
		{closed, 14, 40, true},
		{closed, 15.5, 16, false},
		{open, 1, 9, false},
		{open, 9, 11, true},
		{open, 30, 31, true},
		{&restartWindow{}, 1, 9, false},
	} {
		if got := tc.w.covers(at(tc.start), at(tc.end)); got != tc.want {
			t.Errorf("window %v–%v, request %v–%v s: covers = %v, want %v", tc.w.from.Sub(t0), tc.w.until.Sub(t0), tc.start, tc.end, got, tc.want)
		}
	}
}

// soakServer answers the queue and intake within a few milliseconds,
// except the first queue request, which it holds for hold; while the file
// down exists it answers every request 503 and counts those of the load.
func soakServer(t *testing.T, hold time.Duration, down string, refused *atomic.Int64) *httptest.Server {
	var held atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // not to take the machine's every cycle
		if _, err := os.Stat(down); err == nil {
			if r.URL.Path != "/healthz" {
				refused.Add(1)
			}
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok"))
		case "/api/v1/reports":
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"x"}`))
		default:
			if !held.Swap(true) {
				time.Sleep(hold)
			}
			w.Write([]byte(`{"cases":[],"next_cursor":""}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSoakReportsStall: a request held longer than --stall makes the soak
// name its interval and scenario and fail.
func TestSoakReportsStall(t *testing.T) {
	var refused atomic.Int64
	srv := soakServer(t, 3*time.Second, filepath.Join(t.TempDir(), "down"), &refused)
	var out bytes.Buffer
	err := run([]string{"--url", srv.URL, "--reporter-token", "r", "--desk-token", "d", "--scenarios", "queue,intake", "--clients", "4",
		"--soak", "1s", "--soak-interval", "250ms", "--stall", "1.5s"}, &out)
	if !errors.Is(err, errStall) {
		t.Errorf("run = %v, want %v", err, errStall)
	}
	for _, want := range []string{"clients queue 2, intake 2", "intervals with a stall (a request over 1.5s)", "queue: 1 over 1.5s, max 3."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "no stall") {
		t.Errorf("the verdict says no stall:\n%s", out.String())
	}
}

// TestSoakRestart: the errors while the restart command runs are counted
// apart, every one of them, and the run without stalls says so.
func TestSoakRestart(t *testing.T) {
	var refused atomic.Int64
	down := filepath.Join(t.TempDir(), "down")
	srv := soakServer(t, 0, down, &refused)
	var out bytes.Buffer
	err := run([]string{"--url", srv.URL, "--reporter-token", "r", "--desk-token", "d", "--scenarios", "queue,intake", "--clients", "2",
		"--soak", "3s", "--soak-interval", "500ms", "--stall", "10s", "--restart-cmd", "touch " + down + " && sleep 0.3 && rm " + down}, &out)
	if err != nil {
		t.Fatalf("run = %v\n%s", err, out.String())
	}
	if testing.Verbose() {
		t.Log(out.String())
	}
	if refused.Load() == 0 {
		t.Fatalf("the server refused nothing while the file %s existed", down)
	}
	for _, want := range []string{"verdict: no stall:", fmt.Sprintf("later; %d errors during the restart (not counted as stalls)", refused.Load())} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSinkAnswersSlowlyOrRefuses: the SMTP sink takes a message, or
// refuses it with 451 when told to, and counts both.
func TestSinkAnswersSlowlyOrRefuses(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		s, err := startSink("127.0.0.1:0", 10*time.Millisecond, refuse)
		if err != nil {
			t.Fatal(err)
		}
		err = smtp.SendMail(s.addr, nil, "kasuhara@example.jp", []string{"desk@example.jp"}, []byte("Subject: x\r\n\r\nbody\r\n"))
		s.close()
		if refuse {
			if err == nil || !strings.Contains(err.Error(), "451") || s.refused.Load() != 1 || s.accepted.Load() != 0 {
				t.Errorf("refusing: SendMail = %v, refused %d, accepted %d", err, s.refused.Load(), s.accepted.Load())
			}
		} else if err != nil || s.accepted.Load() != 1 || s.refused.Load() != 0 {
			t.Errorf("accepting: SendMail = %v, accepted %d, refused %d", err, s.accepted.Load(), s.refused.Load())
		}
	}
}

// TestQueueHTMLSignsInAndKeepsTheCookie: queue-html signs the desk in
// through the sign-in form, a session per client, and asks for /cases with
// the session's cookie and no token, as a browser does; a wrong password
// ends the run with an error instead of measuring the sign-in page.
func TestQueueHTMLSignsInAndKeepsTheCookie(t *testing.T) {
	var mu sync.Mutex
	var logins, pages, others int
	sessions := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/login":
			if r.PostFormValue("email") != "desk@demo.example" || r.PostFormValue("password") != "pw" || r.PostFormValue("next") != "/cases" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			logins++
			id := fmt.Sprint("s", logins)
			sessions[id] = true
			http.SetCookie(w, &http.Cookie{Name: "session", Value: id, HttpOnly: true, Secure: true})
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: "ja"})
			http.Redirect(w, r, "/cases", http.StatusSeeOther)
		case r.Method == "GET" && r.URL.Path == "/cases" && r.Header.Get("Authorization") == "":
			k, err := r.Cookie("session")
			if err != nil || !sessions[k.Value] {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			if _, err := r.Cookie("lang"); err != nil {
				http.Error(w, "no lang cookie", http.StatusBadRequest)
				return
			}
			pages++
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>queue</title>"))
		default:
			others++
			http.Error(w, "not this", http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	var out bytes.Buffer
	if err := run([]string{"--url", srv.URL, "--scenarios", "queue-html", "--desk-email", "desk@demo.example", "--desk-password", "pw",
		"--duration", "200ms", "--clients", "3", "--baseline=false"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "queue-html") {
		t.Errorf("no line for queue-html:\n%s", out.String())
	}
	mu.Lock()
	if logins != 3 || pages <= 3 || others != 0 {
		t.Errorf("%d sign-ins, %d queue pages, %d other requests; want 3, more than 3 and none", logins, pages, others)
	}
	mu.Unlock()
	for line := range strings.SplitSeq(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "queue-html" && f[len(f)-1] != "0" {
			t.Errorf("queue-html had errors:\n%s", out.String())
		}
	}
	err := run([]string{"--url", srv.URL, "--scenarios", "queue-html", "--desk-email", "desk@demo.example", "--desk-password", "wrong",
		"--duration", "200ms", "--clients", "1", "--baseline=false"}, &out)
	if err == nil || !strings.Contains(err.Error(), "sign in") {
		t.Errorf("a wrong password: %v, want a sign-in error", err)
	}
	if err := run([]string{"--url", srv.URL, "--scenarios", "queue-html", "--baseline=false"}, &out); err == nil {
		t.Error("queue-html without --desk-email runs")
	}
}
