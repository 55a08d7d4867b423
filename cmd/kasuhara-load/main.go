// Command kasuhara-load measures a running Kasuhara server under load with
// vegeta: throughput, latency percentiles and errors per scenario, and the
// same intake against a baseline server that does the least a Go server
// can (decode the JSON, INSERT one SQLite row).
//
//	kasuhara-load --url http://127.0.0.1:8080 --reporter-token T1 --desk-token T2 [--clients 16] [--duration 10s] [--scenarios intake,queue,...] [--baseline]
//
// --url takes several servers, comma-separated (http://a:8080,http://b:8080):
// the requests then go to them in turn, round robin, as a load balancer
// without sticky sessions would send them (several servers on one
// PostgreSQL database, docs/operations.md#several-servers).
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
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kasuhara-load:", err)
		os.Exit(1)
	}
}

// Scenarios are the loads this tool knows, in the order they run.
var Scenarios = []string{"intake", "queue", "filter", "search", "case", "customers", "anonymous"}

type config struct {
	url, reporterToken, deskToken string
	urls                          []string       // every server, round robin
	turn                          *atomic.Uint64 // whose turn it is
	clients                       int
	duration                      time.Duration
	scenarios                     []string
	baseline                      bool
	org                           string // for anonymous reports
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kasuhara-load", flag.ContinueOnError)
	var c config
	var scen string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "the server, or several comma-separated, driven round robin")
	fs.StringVar(&c.reporterToken, "reporter-token", "", "an API token of an employee (for intake)")
	fs.StringVar(&c.deskToken, "desk-token", "", "an API token of a desk member (for the queue, search, cases and customers)")
	fs.IntVar(&c.clients, "clients", 16, "concurrent clients")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.StringVar(&scen, "scenarios", strings.Join(Scenarios, ","), "which scenarios, comma-separated")
	fs.BoolVar(&c.baseline, "baseline", true, "also measure intake against the baseline server")
	fs.StringVar(&c.org, "org", "demo-retail", "the organisation that receives the anonymous reports")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.scenarios = strings.Split(scen, ",")
	for u := range strings.SplitSeq(c.url, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			c.urls = append(c.urls, u)
		}
	}
	if len(c.urls) == 0 {
		return errors.New("--url: name a server")
	}
	c.url, c.turn = strings.Join(c.urls, ", "), new(atomic.Uint64)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	fmt.Fprintf(out, "%d clients, %s per scenario, against %s\n\n", c.clients, c.duration, c.url)
	fmt.Fprintln(tw, "scenario\trequests\tper second\tp50 ms\tp95 ms\tp99 ms\terrors\t")
	report := func(name string, m *vegeta.Metrics) {
		errs := 0
		for code, n := range m.StatusCodes {
			if !strings.HasPrefix(code, "2") {
				errs += n
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t\n", name, m.Requests, m.Throughput, ms(m.Latencies.P50), ms(m.Latencies.P95), ms(m.Latencies.P99), errs)
		fmt.Fprintf(os.Stderr, "%s done\n", name)
	}
	var baseline, intake float64
	if c.baseline {
		url, stop, err := startBaseline()
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		m := attack(c, "baseline intake", intakeTargeter(func() string { return url + "/reports" }, ""))
		stop()
		report("baseline intake", m)
		baseline = m.Throughput
	}
	var ids []string
	for _, s := range c.scenarios {
		var tr vegeta.Targeter
		switch s {
		case "intake":
			if c.reporterToken == "" {
				return errors.New("intake needs --reporter-token")
			}
			tr = intakeTargeter(func() string { return c.base() + "/api/v1/reports" }, c.reporterToken)
		case "queue":
			tr = get(c, "/api/v1/cases?limit=50")
		case "filter":
			tr = get(c, "/api/v1/cases?limit=50&state=in_progress&category=violence_abuse")
		case "search":
			tr = get(c, "/api/v1/cases?limit=50&q="+urlEscape("土下座"))
		case "case":
			if ids == nil {
				var err error
				if ids, err = caseIDs(c); err != nil {
					return err
				}
			}
			var i atomic.Uint64
			paths := make([]string, len(ids))
			for k, id := range ids {
				paths[k] = "/api/v1/cases/" + id
			}
			tr = func(t *vegeta.Target) error {
				t.Method, t.URL = "GET", c.base()+paths[i.Add(1)%uint64(len(paths))]
				t.Header = http.Header{"Authorization": {"Bearer " + c.deskToken}}
				return nil
			}
		case "customers":
			var i atomic.Uint64
			tr = func(t *vegeta.Target) error {
				n := i.Add(1)
				t.Method, t.URL = "GET", fmt.Sprintf("%s/api/v1/customers?q=090-%04d-%04d", c.base(), (n/10000)%10, n%10000)
				t.Header = http.Header{"Authorization": {"Bearer " + c.deskToken}}
				return nil
			}
		case "anonymous":
			receipts, err := anonReceipts(c, anonReports)
			if err != nil {
				return err
			}
			var i atomic.Uint64
			tr = func(t *vegeta.Target) error {
				t.Method, t.URL = "POST", c.base()+"/api/v1/anonymous-reports/status"
				t.Body, _ = json.Marshal(map[string]string{"receipt": receipts[i.Add(1)%uint64(len(receipts))]})
				t.Header = http.Header{"Content-Type": {"application/json"}}
				return nil
			}
		default:
			return fmt.Errorf("unknown scenario %q (know %s)", s, strings.Join(Scenarios, ", "))
		}
		if s != "intake" && s != "anonymous" && c.deskToken == "" {
			return fmt.Errorf("%s needs --desk-token", s)
		}
		m := attack(c, s, tr)
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

// attack runs one scenario with c.clients concurrent clients, as fast as
// they can, for c.duration.
func attack(c config, name string, tr vegeta.Targeter) *vegeta.Metrics {
	a := vegeta.NewAttacker(vegeta.Workers(uint64(c.clients)), vegeta.MaxWorkers(uint64(c.clients)), vegeta.KeepAlive(true),
		vegeta.Connections(c.clients), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: 0}, c.duration, name) {
		m.Add(res)
	}
	m.Close()
	return &m
}

func get(c config, path string) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		t.Method, t.URL = "GET", c.base()+path
		t.Header = http.Header{"Authorization": {"Bearer " + c.deskToken}}
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
