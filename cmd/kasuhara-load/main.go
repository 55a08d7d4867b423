// Command kasuhara-load measures a running Kasuhara server under load with
// vegeta: throughput, latency percentiles and errors per scenario, and the
// same intake against a baseline server that does the least a Go server
// can (decode the JSON, INSERT one SQLite row).
//
//	kasuhara-load --url http://127.0.0.1:8080 --reporter-token T1 --desk-token T2 [--clients 16] [--duration 10s] [--scenarios intake,queue,...] [--baseline]
//	  [--desk-email desk@demo.example --desk-password PW]   # for queue-html
//
// --url takes several servers, comma-separated (http://a:8080,http://b:8080):
// the requests then go to them in turn, round robin, as a load balancer
// without sticky sessions would send them (several servers on one
// PostgreSQL database, docs/operations.md#several-servers).
//
// The queue-html scenario (--scenarios queue-html, with --desk-email and
// --desk-password) signs the desk in through the sign-in form, a session
// per client, and asks for the desk's queue page /cases with the session's
// cookie, as the desk's browser does.
//
// The grown scenario (--scenarios grown, with --grown-reporter-token and
// --grown-desk-token of a second organisation) files --grown-reports
// reports as that organisation's employee, then measures its desk's
// search for 土下座: an organisation that grew after the last ANALYZE.
//
// --soak 30m runs the scenarios at once instead, each with a fixed share of
// the clients, prints requests/s, p50, p99, max and errors per scenario every
// --soak-interval and ends with a verdict: every interval where a request
// took longer than --stall or failed. --restart-cmd runs at half time; the
// errors until the server answers /healthz again are counted apart.
// --smtp-sink starts a slow SMTP server for the server's mail, to give it a
// mail backlog.
//
// See docs/performance.md for the method and the figures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kasuhara-load:", err)
		os.Exit(1)
	}
}

// Scenarios are the loads this tool runs when --scenarios does not name
// them; grown, which files --grown-reports reports first, runs only when
// named.
var Scenarios = []string{"intake", "queue", "filter", "search", "case", "customers", "anonymous"}

// known is every scenario --scenarios takes.
var known = append(slices.Clone(Scenarios), "grown", "queue-html")

// grownQuery is the grown organisation's search: the desk's first page of
// the word the demo puts in a sixth of its cases.
var grownQuery = "/api/v1/cases?limit=20&q=" + urlEscape("土下座")

type config struct {
	url, reporterToken, deskToken string
	urls                          []string       // every server, round robin
	turn                          *atomic.Uint64 // whose turn it is
	clients                       int
	duration                      time.Duration
	scenarios                     []string
	baseline                      bool
	org                           string // for anonymous reports

	deskEmail, deskPassword string // queue-html: the desk signs in with them

	grownReporterToken, grownDeskToken string // an employee and the desk of a second organisation
	grownReports                       int    // how many reports grown files before it searches

	soak, soakInterval, stall time.Duration // --soak: mixed load for this long
	restartCmd                string        // run through sh -c at half time of the soak
	restartTimeout            time.Duration // how long the server may take to answer /healthz again

	sinkAddr   string        // --smtp-sink: a slow SMTP server for the server's mail
	sinkDelay  time.Duration // how long it waits before it answers a message
	sinkRefuse bool          // answer every message 451 (try again later)
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kasuhara-load", flag.ContinueOnError)
	var c config
	var scen string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the server, or several comma-separated, driven round robin")
	fs.StringVar(&c.reporterToken, "reporter-token", "", "an API token of an employee (for intake)")
	fs.StringVar(&c.deskToken, "desk-token", "", "an API token of a desk member (for the queue, search, cases and customers)")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients (with --soak, shared out among the scenarios)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.StringVar(&scen, "scenarios", strings.Join(Scenarios, ","), "which scenarios, comma-separated: "+strings.Join(known, ", "))
	fs.BoolVar(&c.baseline, "baseline", true, "also measure intake against the baseline server (not with --soak)")
	fs.StringVar(&c.org, "org", "demo-retail", "the organisation that receives the anonymous reports")
	fs.StringVar(&c.deskEmail, "desk-email", "", "queue-html: the e-mail address of a desk member who signs in with a password")
	fs.StringVar(&c.deskPassword, "desk-password", "", "queue-html: that desk member's password (kasuhara demo prints the demo users' ones)")
	fs.StringVar(&c.grownReporterToken, "grown-reporter-token", "", "grown: an API token of an employee of a second organisation, who files its reports")
	fs.StringVar(&c.grownDeskToken, "grown-desk-token", "", "grown: an API token of that organisation's desk, who searches")
	fs.IntVar(&c.grownReports, "grown-reports", 20000, "grown: how many reports the second organisation files before its desk searches")
	fs.DurationVar(&c.soak, "soak", 0, "run the scenarios at once for this long, a fixed share of the clients each, with a line per --soak-interval")
	fs.DurationVar(&c.soakInterval, "soak-interval", time.Minute, "soak: the length of an interval, one line per scenario each")
	fs.DurationVar(&c.stall, "stall", 5*time.Second, "soak: a request that takes longer is a stall")
	fs.StringVar(&c.restartCmd, "restart-cmd", "", "soak: a shell command run at half time that restarts the server; errors until /healthz answers again are counted apart")
	fs.DurationVar(&c.restartTimeout, "restart-timeout", 2*time.Minute, "soak: how long after --restart-cmd the server may take to answer /healthz")
	fs.StringVar(&c.sinkAddr, "smtp-sink", "", "start a slow SMTP server on this address (such as 127.0.0.1:2525) for the server's mail (KASUHARA_SMTP=smtp://ADDR)")
	fs.DurationVar(&c.sinkDelay, "smtp-sink-delay", 10*time.Second, "smtp-sink: how long it waits before it answers each message")
	fs.BoolVar(&c.sinkRefuse, "smtp-sink-refuse", false, "smtp-sink: answer every message 451 (try again later) after the delay")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.scenarios = strings.Split(scen, ",")
	for _, s := range c.scenarios {
		if !slices.Contains(known, s) {
			return fmt.Errorf("unknown scenario %q (know %s)", s, strings.Join(known, ", "))
		}
	}
	for u := range strings.SplitSeq(c.url, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			c.urls = append(c.urls, u)
		}
	}
	if len(c.urls) == 0 {
		return errors.New("--url: name a server")
	}
	c.url, c.turn = strings.Join(c.urls, ", "), new(atomic.Uint64)
	if c.sinkAddr != "" {
		sink, err := startSink(c.sinkAddr, c.sinkDelay, c.sinkRefuse)
		if err != nil {
			return fmt.Errorf("--smtp-sink: %w", err)
		}
		fmt.Fprintf(out, "mail sink on %s: each message answered after %s%s (serve with KASUHARA_SMTP=smtp://%s)\n", sink.addr, c.sinkDelay,
			map[bool]string{true: " with 451, try again later", false: ""}[c.sinkRefuse], sink.addr)
		defer func() {
			sink.close()
			fmt.Fprintf(out, "mail sink: %d messages accepted, %d refused\n", sink.accepted.Load(), sink.refused.Load())
		}()
	}
	if c.soak > 0 {
		if c.soakInterval <= 0 || c.stall <= 0 {
			return errors.New("--soak-interval and --stall: give durations above zero")
		}
		return soak(c, out)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	fmt.Fprintf(out, "%d clients, %s per scenario, against %s\n\n", c.clients, c.duration, c.url)
	fmt.Fprintln(tw, "scenario\trequests\tper second\tp50 ms\tp95 ms\tp99 ms\terrors\t")
	report := func(name string, m *vegeta.Metrics) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t\n", name, m.Requests, m.Throughput, ms(m.Latencies.P50), ms(m.Latencies.P95), ms(m.Latencies.P99), errorCount(m))
		fmt.Fprintf(os.Stderr, "%s done\n", name)
	}
	var baseline, intake float64
	if c.baseline {
		url, stop, err := startBaseline()
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		m := attack(c, c.clients, "baseline intake", intakeTargeter(func() string { return url + "/reports" }, ""))
		stop()
		report("baseline intake", m)
		baseline = m.Throughput
	}
	var ids []string
	for _, s := range c.scenarios {
		tr, err := prepare(c, s, c.clients, &ids, out)
		if err != nil {
			return err
		}
		m := attack(c, c.clients, s, tr)
		report(s, m)
		if s == "intake" {
			intake = m.Throughput
		}
	}
	if baseline > 0 && intake > 0 {
		fmt.Fprintf(tw, "intake / baseline\t\t%.3f\t\t\t\t\t\n", intake/baseline)
	}
	return nil
}

// prepare does what scenario s needs before its load (case ids, receipts,
// the grown organisation's reports, with clients clients) and returns its
// targeter. ids keeps the case ids between scenarios.
func prepare(c config, s string, clients int, ids *[]string, out io.Writer) (vegeta.Targeter, error) {
	needs := func(flag, token string) error {
		if token == "" {
			return fmt.Errorf("%s needs %s", s, flag)
		}
		return nil
	}
	switch s {
	case "intake":
		if err := needs("--reporter-token", c.reporterToken); err != nil {
			return nil, err
		}
		return intakeTargeter(func() string { return c.base() + "/api/v1/reports" }, c.reporterToken), nil
	case "anonymous":
		receipts, err := anonReceipts(c, anonReports)
		if err != nil {
			return nil, err
		}
		var i atomic.Uint64
		return func(t *vegeta.Target) error {
			t.Method, t.URL = "POST", c.base()+"/api/v1/anonymous-reports/status"
			t.Body, _ = json.Marshal(map[string]string{"receipt": receipts[i.Add(1)%uint64(len(receipts))]})
			t.Header = http.Header{"Content-Type": {"application/json"}}
			return nil
		}, nil
	case "grown":
		if err := needs("--grown-reporter-token", c.grownReporterToken); err != nil {
			return nil, err
		}
		if err := needs("--grown-desk-token", c.grownDeskToken); err != nil {
			return nil, err
		}
		if err := fileGrown(c, clients, out); err != nil {
			return nil, err
		}
		return getAs(c, c.grownDeskToken, grownQuery), nil
	case "queue-html":
		if err := needs("--desk-email", c.deskEmail); err != nil {
			return nil, err
		}
		if err := needs("--desk-password", c.deskPassword); err != nil {
			return nil, err
		}
		cookies, err := signIn(c, clients)
		if err != nil {
			return nil, err
		}
		var i atomic.Uint64
		return func(t *vegeta.Target) error {
			t.Method, t.URL = "GET", c.base()+"/cases"
			t.Header = http.Header{"Cookie": {cookies[i.Add(1)%uint64(len(cookies))]}, "Accept": {"text/html"}}
			return nil
		}, nil
	}
	if err := needs("--desk-token", c.deskToken); err != nil {
		return nil, err
	}
	switch s {
	case "queue":
		return get(c, "/api/v1/cases?limit=50"), nil
	case "filter":
		return get(c, "/api/v1/cases?limit=50&state=in_progress&category=violence_abuse"), nil
	case "search":
		return get(c, "/api/v1/cases?limit=50&q="+urlEscape("土下座")), nil
	case "case":
		if *ids == nil {
			var err error
			if *ids, err = caseIDs(c); err != nil {
				return nil, err
			}
		}
		var i atomic.Uint64
		paths := make([]string, len(*ids))
		for k, id := range *ids {
			paths[k] = "/api/v1/cases/" + id
		}
		return func(t *vegeta.Target) error {
			t.Method, t.URL = "GET", c.base()+paths[i.Add(1)%uint64(len(paths))]
			t.Header = http.Header{"Authorization": {"Bearer " + c.deskToken}}
			return nil
		}, nil
	case "customers":
		var i atomic.Uint64
		return func(t *vegeta.Target) error {
			n := i.Add(1)
			t.Method, t.URL = "GET", fmt.Sprintf("%s/api/v1/customers?q=090-%04d-%04d", c.base(), (n/10000)%10, n%10000)
			t.Header = http.Header{"Authorization": {"Bearer " + c.deskToken}}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (know %s)", s, strings.Join(known, ", "))
}

// errorCount is how many of m's requests were not answered 2xx.
func errorCount(m *vegeta.Metrics) int {
	errs := 0
	for code, n := range m.StatusCodes {
		if !strings.HasPrefix(code, "2") {
			errs += n
		}
	}
	return errs
}

// base is the server whose turn it is: with several, each request goes
// to the next.
func (c config) base() string {
	return c.urls[(c.turn.Add(1)-1)%uint64(len(c.urls))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// attack runs one scenario with clients concurrent clients, as fast as
// they can, for c.duration.
func attack(c config, clients int, name string, tr vegeta.Targeter) *vegeta.Metrics {
	var m vegeta.Metrics
	for res := range newAttacker(clients).Attack(tr, vegeta.Rate{Freq: 0}, c.duration, name) {
		m.Add(res)
	}
	m.Close()
	return &m
}

// newAttacker is a closed loop of clients clients: each sends its next
// request when the last is answered, or after 30 s without an answer.
func newAttacker(clients int) *vegeta.Attacker {
	return vegeta.NewAttacker(vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)), vegeta.KeepAlive(true),
		vegeta.Connections(clients), vegeta.Timeout(clientTimeout))
}

// clientTimeout is how long a client waits for an answer.
const clientTimeout = 30 * time.Second

func get(c config, path string) vegeta.Targeter { return getAs(c, c.deskToken, path) }

func getAs(c config, token, path string) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL = "GET", c.base()+path
		t.Header = http.Header{"Authorization": {"Bearer " + token}}
		return nil
	}
}

// intakeTargeter files named reports, each a little different.
func intakeTargeter(url func() string, token string) vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		body, _ := json.Marshal(map[string]any{"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "duration_minutes": 30, "channel": "phone",
			"subtypes": []string{"insult", "long_contact"}, "request_content": "返金",
			"conduct":  fmt.Sprintf("負荷試験 %d: 30分にわたり「責任者を出せ」と怒鳴り続けた。", i),
			"customer": map[string]string{"phone": fmt.Sprintf("080-%04d-%04d", (i/10000)%10000, i%10000)}})
		t.Method, t.URL, t.Body = "POST", url(), body
		t.Header = http.Header{"Content-Type": {"application/json"}}
		if token != "" {
			t.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
}

// anonReports is how many anonymous reports the anonymous scenario files
// first: the server takes ten an hour from one address.
const anonReports = 4

// anonReceipts files n anonymous reports to c.org and returns their receipts,
// which the anonymous scenario then checks (a wrong receipt would be
// throttled: ten in fifteen minutes from one address).
func anonReceipts(c config, n int) ([]string, error) {
	var out []string
	for i := range n {
		body, _ := json.Marshal(map[string]any{"org": c.org, "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "channel": "in_person",
			"subtypes": []string{"insult"}, "conduct": fmt.Sprintf("負荷試験の匿名報告 %d: 大声で罵倒された。", i)})
		resp, err := http.Post(c.base()+"/api/v1/anonymous-reports", "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("anonymous report: %w", err)
		}
		var got struct {
			Receipt string `json:"receipt"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || err != nil || got.Receipt == "" {
			return nil, fmt.Errorf("anonymous report to %q: status %d (the server takes ten an hour from one address; restart it to measure again)", c.org, resp.StatusCode)
		}
		out = append(out, got.Receipt)
	}
	return out, nil
}

// signIn signs the desk in n times through the sign-in form, as n browsers
// would, and returns the Cookie header of each session. A bearer token
// opens the HTML pages too, but a browser has a session: its look-up, and
// its renewal, are part of what the page costs.
func signIn(c config, n int) ([]string, error) {
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var out []string
	for range max(n, 1) {
		resp, err := client.PostForm(c.urls[0]+"/login", url.Values{"email": {c.deskEmail}, "password": {c.deskPassword}, "next": {"/cases"}})
		if err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		resp.Body.Close()
		where := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || where != "/cases" {
			return nil, fmt.Errorf("sign in as %s: status %d to %q, want 303 to /cases (a wrong password, or a second factor or a new password asked for)",
				c.deskEmail, resp.StatusCode, where)
		}
		var parts []string
		for _, k := range resp.Cookies() {
			parts = append(parts, k.Name+"="+k.Value)
		}
		if len(parts) == 0 {
			return nil, fmt.Errorf("sign in as %s: no session cookie", c.deskEmail)
		}
		cookie := strings.Join(parts, "; ")
		req, _ := http.NewRequest("GET", c.urls[0]+"/cases", nil)
		req.Header.Set("Cookie", cookie)
		resp, err = client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("queue page: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			return nil, fmt.Errorf("queue page as %s: status %d, %s; want 200 and HTML", c.deskEmail, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		out = append(out, cookie)
	}
	return out, nil
}

// caseIDs reads case ids from the queue's first pages.
func caseIDs(c config) ([]string, error) {
	var ids []string
	cursor := ""
	for len(ids) < 1000 {
		req, _ := http.NewRequest("GET", c.urls[0]+"/api/v1/cases?limit=200&cursor="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+c.deskToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Cases []struct {
				ID string `json:"id"`
			} `json:"cases"`
			Next string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("case list: %w", err)
		}
		for _, x := range page.Cases {
			ids = append(ids, x.ID)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(ids) == 0 {
		return nil, errors.New("no cases to read: run kasuhara demo --cases N first")
	}
	return ids, nil
}

// startBaseline serves POST /reports: decode the JSON, INSERT one row into
// SQLite through one writer connection with the product's pragmas.
func startBaseline() (string, func(), error) {
	dir, err := os.MkdirTemp("", "kasuhara-baseline-")
	if err != nil {
		return "", nil, err
	}
	db, err := sqldb.OpenBareSQLite(context.Background(), filepath.Join(dir, "baseline.db"))
	if err != nil {
		return "", nil, err
	}
	if _, err := db.Exec("CREATE TABLE reports (id INTEGER PRIMARY KEY, channel TEXT, conduct TEXT, body TEXT, created_at TIMESTAMP)"); err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reports", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		var id int64
		err = db.QueryRow("INSERT INTO reports (channel, conduct, body, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			fmt.Sprint(in["channel"]), fmt.Sprint(in["conduct"]), string(body), time.Now()).Scan(&id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d}`, id)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		db.Close()
		os.RemoveAll(dir)
	}, nil
}

// fileGrown files c.grownReports named reports as the grown organisation's
// employee, with clients clients as fast as they go, and prints the
// filing's rate. A sixth of the narratives contain 土下座, as the demo's
// do, so that the desk's search then has matches among the new cases.
func fileGrown(c config, clients int, out io.Writer) error {
	n := uint64(c.grownReports)
	var i atomic.Uint64
	tr := func(t *vegeta.Target) error {
		k := i.Add(1)
		if k > n {
			return vegeta.ErrNoTargets
		}
		t.Method, t.URL, t.Body = "POST", c.base()+"/api/v1/reports", grownReport(k)
		t.Header = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + c.grownReporterToken}}
		return nil
	}
	start := time.Now()
	var m vegeta.Metrics
	for res := range newAttacker(clients).Attack(tr, vegeta.Rate{Freq: 0}, 0, "grown filing") {
		if res.Error == vegeta.ErrNoTargets.Error() {
			continue // a client that found no report left to file
		}
		m.Add(res)
	}
	m.Close()
	took := time.Since(start)
	errs := errorCount(&m)
	fmt.Fprintf(out, "grown: filed %d reports as the second organisation in %.1f s: %.0f reports/s, p50 %.1f ms, p99 %.1f ms, %d errors\n",
		m.Requests, took.Seconds(), float64(m.Requests)/took.Seconds(), ms(m.Latencies.P50), ms(m.Latencies.P99), errs)
	if m.Requests > 0 && errs == int(m.Requests) {
		return fmt.Errorf("grown: every report failed: %s", strings.Join(m.Errors, "; "))
	}
	return nil
}

// grownReport is the body of the grown organisation's report k.
func grownReport(k uint64) []byte {
	subtypes, conduct := []string{"insult", "long_contact"}, fmt.Sprintf("成長負荷 %d: 30分にわたり「責任者を出せ」と怒鳴り続けた。", k)
	if k%6 == 0 {
		subtypes, conduct = []string{"kneeling_demand"}, fmt.Sprintf("成長負荷 %d: 「土下座して謝れ」と要求し、閉店後も帰らなかった。", k)
	}
	body, _ := json.Marshal(map[string]any{"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "duration_minutes": 30, "channel": "phone",
		"subtypes": subtypes, "request_content": "返金", "conduct": conduct,
		"customer": map[string]string{"phone": fmt.Sprintf("070-%04d-%04d", (k/10000)%10000, k%10000)}})
	return body
}

// errStall is what a soak returns when some interval had a stall or
// errors outside the restart.
var errStall = errors.New("soak: stalls or errors (see the verdict)")

// soak runs c.scenarios at once for c.soak, each with a fixed share of the
// clients, prints a line per scenario every c.soakInterval and a verdict at
// the end, and runs c.restartCmd at half time.
func soak(c config, out io.Writer) error {
	shares := share(c.clients, len(c.scenarios))
	trs := make([]vegeta.Targeter, len(c.scenarios))
	var ids []string
	for i, s := range c.scenarios {
		var err error
		if trs[i], err = prepare(c, s, shares[i], &ids, out); err != nil {
			return err
		}
	}
	var plan []string
	for i, s := range c.scenarios {
		plan = append(plan, fmt.Sprintf("%s %d", s, shares[i]))
	}
	fmt.Fprintf(out, "soak: %s against %s, clients %s; a line every %s; a stall is a request over %s\n", c.soak, c.url, strings.Join(plan, ", "), c.soakInterval, c.stall)
	if c.restartCmd != "" {
		fmt.Fprintf(out, "restart at %s: sh -c %q\n", fmtElapsed(c.soak/2), c.restartCmd)
	}

	type result struct {
		scenario int
		res      *vegeta.Result
	}
	results := make(chan result, 1024)
	var wg sync.WaitGroup
	start := time.Now()
	var win restartWindow
	for i, tr := range trs {
		ch := newAttacker(shares[i]).Attack(win.pacing(tr), vegeta.Rate{Freq: 0}, c.soak, c.scenarios[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for res := range ch {
				results <- result{i, res}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	restarted := make(chan struct{})
	if c.restartCmd != "" {
		go func() {
			defer close(restarted)
			select {
			case <-time.After(c.soak / 2):
			case <-ctx.Done():
				return
			}
			win.restart(ctx, c)
		}()
	} else {
		close(restarted)
	}

	book := newSoakBook(c.scenarios, c.stall, start)
	book.header(out)
	tick := time.NewTicker(c.soakInterval)
	defer tick.Stop()
	for done := false; !done; {
		select {
		case r, ok := <-results:
			if !ok {
				done = true
				break
			}
			book.add(r.scenario, r.res, win.covers(r.res.Timestamp, r.res.End()))
		case now := <-tick.C:
			if now.Sub(start) < c.soak { // the requests still running at the end join the last interval
				book.close(now, out)
			}
		}
	}
	book.close(time.Now(), out)
	cancel()
	<-restarted
	bad := book.verdict(out, c.restartCmd != "", &win)
	if bad {
		return errStall
	}
	return nil
}

// share divides clients among n scenarios, the first ones taking the
// remainder, at least one each.
func share(clients, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = max(1, clients/n)
		if i < clients%n && clients >= n {
			out[i]++
		}
	}
	return out
}

// restartWindow is the time from the start of the restart command to the
// first answer of /healthz after it ended: the server is down or coming
// up, and errors are expected. If the server does not come back, the
// window stays open to the end.
type restartWindow struct {
	mu          sync.Mutex
	from, until time.Time // zero until they happen
	cmdErr      error
}

// restart runs the restart command and waits for every server's /healthz,
// at most c.restartTimeout after the command ended.
func (w *restartWindow) restart(ctx context.Context, c config) {
	w.mu.Lock()
	w.from = time.Now()
	w.mu.Unlock()
	cmd := exec.CommandContext(ctx, "sh", "-c", c.restartCmd)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // files, so that a server it leaves running does not hold a pipe
	err := cmd.Run()
	w.mu.Lock()
	w.cmdErr = err
	w.mu.Unlock()
	deadline := time.Now().Add(c.restartTimeout)
	for _, u := range c.urls {
		for !healthy(ctx, u) {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	w.mu.Lock()
	w.until = time.Now()
	w.mu.Unlock()
}

// restartPause is how long a client waits before each request while the
// server restarts, so that it does not spin on refused connections.
const restartPause = 100 * time.Millisecond

// pacing makes tr's requests wait restartPause while the window is open.
func (w *restartWindow) pacing(tr vegeta.Targeter) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		w.mu.Lock()
		open := !w.from.IsZero() && w.until.IsZero()
		w.mu.Unlock()
		if open {
			time.Sleep(restartPause)
		}
		return tr(t)
	}
}

// healthy says whether the server at base answers /healthz with 200.
func healthy(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// covers says whether a request from start to end overlaps the restart
// window. A request that fails there is counted apart and is no stall.
func (w *restartWindow) covers(start, end time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.from.IsZero() || end.Before(w.from) {
		return false
	}
	return w.until.IsZero() || !start.After(w.until)
}

// soakBook accounts a soak's results interval by interval: a result
// belongs to the interval in which it arrives (when it ended).
type soakBook struct {
	names    []string
	stall    time.Duration
	start    time.Time // of the soak
	from     time.Time // of the open interval
	cur      []bucket
	bad      []string // the verdict's lines: intervals with stalls or errors
	requests int
	restart  int // errors during the restart
}

// bucket is one scenario's results in one interval.
type bucket struct {
	requests int
	lat      []time.Duration // outside the restart
	errs     map[string]int  // outside the restart, by kind
	restart  int             // errors during the restart
	slow     int             // requests over the stall, outside the restart
}

func newSoakBook(names []string, stall time.Duration, start time.Time) *soakBook {
	return &soakBook{names: names, stall: stall, start: start, from: start, cur: make([]bucket, len(names))}
}

// add books one result of scenario i; inRestart says it overlapped the
// restart window.
func (b *soakBook) add(i int, res *vegeta.Result, inRestart bool) {
	k := &b.cur[i]
	k.requests++
	failed := res.Error != "" || res.Code < 200 || res.Code > 299
	if inRestart {
		if failed {
			k.restart++
		}
		return
	}
	k.lat = append(k.lat, res.Latency)
	if res.Latency > b.stall {
		k.slow++
	}
	if failed {
		if k.errs == nil {
			k.errs = map[string]int{}
		}
		k.errs[errorKind(res)]++
	}
}

// errorKind names a failed request's error briefly: its status, or what
// the client saw.
func errorKind(res *vegeta.Result) string {
	switch e := res.Error; {
	case res.Code != 0:
		return strconv.Itoa(int(res.Code))
	case strings.Contains(e, "Client.Timeout") || strings.Contains(e, "deadline exceeded"):
		return "timeout"
	case strings.Contains(e, "connection refused"):
		return "refused"
	case strings.Contains(e, "connection reset") || strings.Contains(e, "EOF"):
		return "reset"
	case len(e) > 40:
		return e[:40]
	default:
		return e
	}
}

func (b *soakBook) header(out io.Writer) {
	fmt.Fprintf(out, "%-13s  %-10s %8s %8s %8s %9s %7s %8s\n", "interval", "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "restart")
}

// close prints the open interval, ending at now, a line per scenario, and
// opens the next.
func (b *soakBook) close(now time.Time, out io.Writer) {
	span := fmtElapsed(b.from.Sub(b.start)) + "–" + fmtElapsed(now.Sub(b.start))
	secs := now.Sub(b.from).Seconds()
	var bad []string
	for i := range b.cur {
		k := &b.cur[i]
		slices.Sort(k.lat)
		errs := 0
		for _, n := range k.errs {
			errs += n
		}
		p50, p99, top := "-", "-", "-"
		if n := len(k.lat); n > 0 {
			rank := func(p int) string { return fmt.Sprintf("%.1f", ms(k.lat[(n*p+99)/100-1])) } // nearest rank
			p50, p99, top = rank(50), rank(99), rank(100)
		}
		rate := 0.0
		if secs > 0 {
			rate = float64(k.requests) / secs
		}
		fmt.Fprintf(out, "%-13s  %-10s %8.0f %8s %8s %9s %7d %8d\n", span, b.names[i], rate, p50, p99, top, errs, k.restart)
		var what []string
		if k.slow > 0 {
			what = append(what, fmt.Sprintf("%d over %s, max %.1f s", k.slow, b.stall, k.lat[len(k.lat)-1].Seconds()))
		}
		if errs > 0 {
			kinds := slices.Sorted(maps.Keys(k.errs))
			for j, kind := range kinds {
				kinds[j] = fmt.Sprintf("%s ×%d", kind, k.errs[kind])
			}
			what = append(what, fmt.Sprintf("%d errors (%s)", errs, strings.Join(kinds, ", ")))
		}
		if what != nil {
			bad = append(bad, b.names[i]+": "+strings.Join(what, "; "))
		}
		b.requests += k.requests
		b.restart += k.restart
		b.cur[i] = bucket{}
	}
	if bad != nil {
		b.bad = append(b.bad, span+"  "+strings.Join(bad, " | "))
	}
	b.from = now
}

// verdict prints the intervals with stalls or errors, or that there were
// none, and what the restart did; it says whether there were any.
func (b *soakBook) verdict(out io.Writer, restarted bool, w *restartWindow) bool {
	fmt.Fprintln(out)
	if len(b.bad) == 0 {
		fmt.Fprintf(out, "verdict: no stall: %d requests, none over %s and none failed outside the restart\n", b.requests, b.stall)
	} else {
		fmt.Fprintf(out, "verdict: %d intervals with a stall (a request over %s) or errors outside the restart:\n", len(b.bad), b.stall)
		for _, l := range b.bad {
			fmt.Fprintln(out, "  "+l)
		}
	}
	if !restarted {
		return len(b.bad) > 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.from.IsZero() {
		fmt.Fprintln(out, "restart: not run (the soak ended first)")
		return true
	}
	at := fmtElapsed(w.from.Sub(b.start))
	if w.cmdErr != nil {
		fmt.Fprintf(out, "restart: the command failed: %v\n", w.cmdErr)
	}
	if w.until.IsZero() {
		fmt.Fprintf(out, "restart: at %s; the server did not answer /healthz again; %d errors from then on counted as during the restart\n", at, b.restart)
		return true
	}
	fmt.Fprintf(out, "restart: at %s, /healthz answered again %.1f s later; %d errors during the restart (not counted as stalls)\n",
		at, w.until.Sub(w.from).Seconds(), b.restart)
	return len(b.bad) > 0 || w.cmdErr != nil
}

// fmtElapsed writes d as m:ss.s (minutes may pass 59).
func fmtElapsed(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	return fmt.Sprintf("%d:%04.1f", int(d.Minutes()), (d % time.Minute).Seconds())
}

// sink is a slow SMTP server: it takes every message and answers it after a
// delay (or refuses it), so that a Kasuhara server sending to it builds a
// mail backlog.
type sink struct {
	addr              string
	srv               *smtp.Server
	accepted, refused atomic.Int64
	delay             time.Duration
	refuse            bool
}

func startSink(addr string, delay time.Duration, refuse bool) (*sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), delay: delay, refuse: refuse}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s}, nil }))
	s.srv.Domain, s.srv.ErrorLog = "kasuhara-load.invalid", log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

type sinkSession struct{ s *sink }

func (*sinkSession) Reset()                               {}
func (*sinkSession) Logout() error                        { return nil }
func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (se *sinkSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	time.Sleep(se.s.delay)
	if se.s.refuse {
		se.s.refused.Add(1)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Slow sink: try again later"}
	}
	se.s.accepted.Add(1)
	return nil
}
