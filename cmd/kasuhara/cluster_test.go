package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

func status(t *testing.T, u string) int {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// waitStatus polls u until it answers want (ten seconds at most).
func waitStatus(t *testing.T, u string, want int, why string) {
	t.Helper()
	got := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = status(t, u); got == want {
			return
		}
	}
	t.Fatalf("%s: %s answered %d, want %d", why, u, got, want)
}

// TestReadyzFollowsTheDatabase (issue 24): /readyz is 503 while the server
// cannot reach its database (connections refused and the server's own
// terminated) and 200 again once it can; /healthz stays 200 (liveness)
// throughout. And when a newer release migrates the database under a
// running server (a rolling upgrade), the old server's /readyz turns 503 so
// that the load balancer takes it out, and its job queue stops claiming,
// naming the reason in its log; within a second and a half it refuses
// requests that write with 503 and Retry-After.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	c := newCLI(t, sqldb.Postgres)
	c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
	addr, _, logs := serveInBackground(t, c)
	if s := status(t, addr+"/readyz"); s != http.StatusOK {
		t.Fatalf("readyz = %d at the start", s)
	}

	dsn, _ := url.Parse(c.env["KASUHARA_DATABASE"])
	name := strings.TrimPrefix(dsn.Path, "/")
	admin, err := pgx.Connect(context.Background(), testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	exec := func(sql string) {
		t.Helper()
		if _, err := admin.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'")
	waitStatus(t, addr+"/readyz", http.StatusServiceUnavailable, "database unreachable")
	if s := status(t, addr+"/healthz"); s != http.StatusOK {
		t.Fatalf("healthz = %d while the database is unreachable; it is liveness only", s)
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
	waitStatus(t, addr+"/readyz", http.StatusOK, "database back")

	// A newer release migrates the database under the running server.
	db, err := sqldb.Open(context.Background(), c.env["KASUHARA_DATABASE"], "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, _ := sqldb.Migrations(sqldb.Postgres)
	next := fmt.Sprintf("%04d_from_a_newer_release.sql", len(ms)+1)
	testdb.Exec(t, db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", len(ms)+1, next, time.Now().UTC())
	migrated := time.Now()
	// Within a second and a half, before any load balancer could notice,
	// the old server refuses a request that writes (schemaGate), here an
	// API report without a token (401 before).
	var refused *http.Response
	for time.Since(migrated) < 1500*time.Millisecond {
		res, err := http.Post(addr+"/api/v1/reports", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			refused = res
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if refused == nil || refused.Header.Get("Retry-After") == "" {
		t.Fatalf("a write 1.5 s after a newer release migrated the database was not refused with 503 and Retry-After (%v)", refused)
	}
	waitStatus(t, addr+"/readyz", http.StatusServiceUnavailable, "schema newer than the server")
	if s := status(t, addr+"/healthz"); s != http.StatusOK {
		t.Fatalf("healthz = %d under a newer schema", s)
	}
	// The log says why, and the job queue stops claiming (within its
	// check's five seconds and a poll).
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		text = logs.String()
		if strings.Contains(text, `"msg":"job queue held"`) {
			break
		}
	}
	if !strings.Contains(text, "migrated by a newer kasuhara") || !strings.Contains(text, next) || !strings.Contains(text, `"msg":"job queue held"`) {
		t.Fatalf("the log does not say why the server is not ready, or the job queue was not held:\n%s", text)
	}
	// And it refuses to start again on it.
	c2 := &cli{t: t, env: map[string]string{"KASUHARA_DATA": t.TempDir(), "KASUHARA_DATABASE": c.env["KASUHARA_DATABASE"], "KASUHARA_ADDR": "127.0.0.1:0"}}
	if _, _, err := c2.run("", "serve"); err == nil || !strings.Contains(err.Error(), "newer kasuhara") {
		t.Fatalf("serve on a database of a newer release = %v, want a refusal that says so", err)
	}
	testdb.Exec(t, db, "DELETE FROM schema_migrations WHERE version = $1", len(ms)+1)
	waitStatus(t, addr+"/readyz", http.StatusOK, "schema back")
	time.Sleep(1100 * time.Millisecond) // the gate's last answer is older than a second
	if res, err := http.Post(addr+"/api/v1/reports", "application/json", strings.NewReader("{}")); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a write once the schema is known again: %v %v, want 401 (no token)", res, err)
	}
}

// failingBucket is an evidence store whose bucket does not answer.
type failingBucket struct{}

func (failingBucket) Ping(context.Context) error { return errors.New("connection refused") }

// TestReadinessAsksTheEvidenceStore: an evidence store with a Ping (a
// bucket) is part of readiness; one without (the local directory) is not.
func TestReadinessAsksTheEvidenceStore(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := readiness(db, struct{}{})(ctx); err != nil {
			t.Fatalf("readiness with a local store = %v", err)
		}
		err := readiness(db, failingBucket{})(ctx)
		if err == nil || !strings.Contains(err.Error(), "evidence store") {
			t.Fatalf("readiness with an unreachable bucket = %v, want an error naming the evidence store", err)
		}
	})
}

// TestThrottleKey: made once with mode 0600, the same on the next start,
// refused when others may read it or when it is not a key.
func TestThrottleKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := loadThrottleKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatalf("first = %x, %v", k1, err)
	}
	path := filepath.Join(dir, ThrottleKeyFile)
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", info, err)
	}
	k2, err := loadThrottleKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second start read another key (%v)", err)
	}
	os.Chmod(path, 0o644)
	if _, err := loadThrottleKey(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable key = %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("not hex\n"), 0o600)
	if _, err := loadThrottleKey(dir); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("a broken key = %v", err)
	}
}

// TestSweepDeletesOldThrottleRows: serve's sweep, every five minutes,
// deletes the shared throttles' rows that left their windows, though no
// new failure came.
func TestSweepDeletesOldThrottleRows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := testdb.Open(t, sqldb.SQLite)
		st := store.New(db)
		th, err := st.Throttles(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		if err := th.Counter("receipt", 10, time.Minute).Fail(t.Context(), "client"); err != nil {
			t.Fatal(err)
		}
		rows := func() (n int) {
			if err := db.Read.QueryRow("SELECT COUNT(*) FROM throttle_failures").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			sweep(ctx, st.Sessions(), th, slog.New(slog.DiscardHandler))
			close(done)
		}()
		time.Sleep(4 * time.Minute)
		synctest.Wait()
		if n := rows(); n != 1 {
			t.Fatalf("%d rows before the sweep, want 1", n)
		}
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		if n := rows(); n != 0 {
			t.Fatalf("%d rows after the sweep, want 0", n)
		}
		cancel()
		<-done
	})
}

// TestJobLeaseFromEnv: the job lease is one minute plus one minute unless
// KASUHARA_JOB_TIMEOUT or KASUHARA_JOB_LEASE_GRACE says otherwise; a value
// that is not a duration from 1s to 1h is refused, naming the variable.
func TestJobLeaseFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    jobLease
		wantErr string
	}{
		{env: nil, want: jobLease{time.Minute, time.Minute}},
		{env: map[string]string{"KASUHARA_JOB_TIMEOUT": "10s", "KASUHARA_JOB_LEASE_GRACE": "2s"}, want: jobLease{10 * time.Second, 2 * time.Second}},
		{env: map[string]string{"KASUHARA_JOB_LEASE_GRACE": " 5m "}, want: jobLease{time.Minute, 5 * time.Minute}},
		{env: map[string]string{"KASUHARA_JOB_TIMEOUT": "abc"}, wantErr: `KASUHARA_JOB_TIMEOUT="abc"`},
		{env: map[string]string{"KASUHARA_JOB_TIMEOUT": "500ms"}, wantErr: `KASUHARA_JOB_TIMEOUT="500ms"`},
		{env: map[string]string{"KASUHARA_JOB_LEASE_GRACE": "2h"}, wantErr: `KASUHARA_JOB_LEASE_GRACE="2h"`},
		{env: map[string]string{"KASUHARA_JOB_LEASE_GRACE": "-1s"}, wantErr: `KASUHARA_JOB_LEASE_GRACE="-1s"`},
	} {
		got, err := jobLeaseFromEnv(func(k string) string { return tc.env[k] })
		if tc.wantErr != "" {
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "from 1s to 1h,") {
				t.Errorf("%v: %v, %v; want an error naming %s", tc.env, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.env, got, err, tc.want)
		}
	}
}

// tcpProxy forwards TCP connections to a target while it is open. Closed,
// it closes its listener and every connection through it: its address
// then refuses connections, as a stopped server's does.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string // 127.0.0.1:PORT, the same after each open

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

// startTCPProxy opens a proxy to target until the test ends.
func startTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.open()
	t.Cleanup(p.close)
	return p
}

// open listens on the proxy's address again.
func (p *tcpProxy) open() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *tcpProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // closed meanwhile
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// close stops listening and cuts every connection through the proxy.
func (p *tcpProxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// TestReadyzFollowsTheBucket (issue 24): with evidence in a real bucket
// (the S3-compatible test server, reached through a TCP proxy), /readyz
// is 503 while the bucket cannot be reached (the proxy closed: connections
// refused, those open cut) and 200 again once it can; /healthz stays 200
// throughout, and the log names the evidence store as the reason.
func TestReadyzFollowsTheBucket(t *testing.T) {
	bucket := testdb.NewS3Bucket(t)
	endpoint, err := url.Parse(bucket.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, endpoint.Host)
	c := newCLI(t, sqldb.Postgres)
	for _, kv := range bucket.Env("evidence/") {
		k, v, _ := strings.Cut(kv, "=")
		c.env[k] = v
	}
	c.env["KASUHARA_S3_ENDPOINT"] = "http://" + proxy.addr
	addr, _, logs := serveInBackground(t, c)
	waitStatus(t, addr+"/readyz", http.StatusOK, "bucket reachable")

	proxy.close()
	waitStatus(t, addr+"/readyz", http.StatusServiceUnavailable, "bucket unreachable")
	if s := status(t, addr+"/healthz"); s != http.StatusOK {
		t.Fatalf("healthz = %d while the bucket is unreachable; it is liveness only", s)
	}
	if text := logs.String(); !strings.Contains(text, `"msg":"not ready"`) || !strings.Contains(text, "evidence store") {
		t.Fatalf("the log does not say that the evidence store is why the server is not ready:\n%s", text)
	}
	// Still not ready a moment later (no answer cached from before).
	time.Sleep(300 * time.Millisecond)
	if s := status(t, addr+"/readyz"); s != http.StatusServiceUnavailable {
		t.Fatalf("readyz = %d with the bucket still unreachable", s)
	}

	proxy.open()
	waitStatus(t, addr+"/readyz", http.StatusOK, "bucket back")
}

// refusal is the answer of web's server to a request that the gate
// refuses (web.Server.Unavailable), as serve wires it.
func refusal(t *testing.T) func(http.ResponseWriter, *http.Request, time.Duration) {
	t.Helper()
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Deps{Catalog: catalog})
	if err != nil {
		t.Fatal(err)
	}
	return srv.Unavailable
}

// TestSchemaGateRefusesWritesOnNewerSchema (issue 24, a rolling upgrade):
// once a newer release has migrated the database, a request that may
// write (POST, PUT, PATCH, DELETE) is refused with 503 and Retry-After
// before it reaches the server (the API's JSON error, SCIM's error, the
// product's error page in the person's language on a form), while reading
// goes on; when the schema is one the server knows again, writes go
// through. On both engines.
func TestSchemaGateRefusesWritesOnNewerSchema(t *testing.T) {
	refuse := refusal(t)
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		var reached []string
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = append(reached, r.Method+" "+r.URL.Path) })
		var logs bytes.Buffer
		gate := newSchemaGate(next, db, refuse, slog.New(slog.NewJSONHandler(&logs, nil)))
		gate.every = 0 // ask the database on every request
		lang := "ja"
		do := func(method, path string) *httptest.ResponseRecorder {
			t.Helper()
			reached = nil
			w := httptest.NewRecorder()
			r := httptest.NewRequest(method, path, strings.NewReader("{}"))
			r.Header.Set("Accept-Language", lang)
			gate.ServeHTTP(w, r)
			return w
		}
		if w := do("POST", "/api/v1/reports"); w.Code != http.StatusOK || len(reached) != 1 {
			t.Fatalf("a write on the server's own schema: %d, reached %v", w.Code, reached)
		}

		ms, _ := sqldb.Migrations(db.Engine)
		testdb.Exec(t, db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", len(ms)+1, "9999_from_a_newer_release.sql", time.Now().UTC())
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			w := do(method, "/api/v1/reports")
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "10" || len(reached) != 0 {
				t.Fatalf("%s on a newer schema: %d, Retry-After %q, reached %v; want 503, 10, not reached", method, w.Code, w.Header().Get("Retry-After"), reached)
			}
			if got := w.Body.String(); !strings.Contains(got, `"code":"unavailable"`) || !strings.Contains(got, "更新") ||
				!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("%s on the API: %s, want the code unavailable and the Japanese message", method, got)
			}
		}
		w := do("POST", "/scim/v2/Users")
		if got := w.Body.String(); w.Code != http.StatusServiceUnavailable || len(reached) != 0 || w.Header().Get("Retry-After") != "10" ||
			!strings.Contains(got, "urn:ietf:params:scim:api:messages:2.0:Error") || !strings.Contains(got, `"status":"503"`) {
			t.Fatalf("SCIM on a newer schema: %d %s, reached %v; want SCIM's error", w.Code, got, reached)
		}
		// A form: the product's error page, in the person's language,
		// and not the other language's text.
		for _, c := range []struct{ lang, want, notWant string }{
			{"ja", "システムを更新しています", "upgraded"},
			{"en", "The service is being upgraded", "更新"},
		} {
			lang = c.lang
			w := do("POST", "/login")
			body := w.Body.String()
			if w.Code != http.StatusServiceUnavailable || len(reached) != 0 || w.Header().Get("Retry-After") != "10" ||
				!strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, `<html lang="`+c.lang+`"`) ||
				!strings.Contains(body, c.want) || !strings.Contains(body, `href="/"`) || strings.Contains(body, c.notWant) {
				t.Fatalf("a form on a newer schema (%s): %d %q, reached %v; want 503, the error page in its language", c.lang, w.Code, body, reached)
			}
		}
		lang = "ja"
		for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
			if w := do(method, "/cases"); w.Code != http.StatusOK || len(reached) != 1 {
				t.Fatalf("%s on a newer schema: %d, reached %v; reading goes on", method, w.Code, reached)
			}
		}
		if n := strings.Count(logs.String(), `"msg":"refusing writes"`); n != 1 || !strings.Contains(logs.String(), "9999_from_a_newer_release.sql") {
			t.Fatalf("the log says %d times that writes are refused, want once with the migration:\n%s", n, logs.String())
		}

		testdb.Exec(t, db, "DELETE FROM schema_migrations WHERE version = $1", len(ms)+1)
		if w := do("POST", "/api/v1/reports"); w.Code != http.StatusOK || len(reached) != 1 {
			t.Fatalf("a write once the schema is known again: %d, reached %v", w.Code, reached)
		}
	})
}

// TestSchemaGateAsksOnceASecond: the gate asks the database at most once
// in its interval, also when the check fails for another reason (the
// database away), which lets writes through and keeps the last answer.
func TestSchemaGateAsksOnceASecond(t *testing.T) {
	reached := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ })
	gate := newSchemaGate(next, &sqldb.DB{}, refusal(t), slog.New(slog.DiscardHandler))
	asked := 0
	answer := error(errors.New("connection refused"))
	gate.check = func(context.Context) error { asked++; return answer }
	post := func() int {
		w := httptest.NewRecorder()
		gate.ServeHTTP(w, httptest.NewRequest("POST", "/login", nil))
		return w.Code
	}
	for range 3 {
		if got := post(); got != http.StatusOK {
			t.Fatalf("a write while the check fails: %d, want it let through", got)
		}
	}
	if asked != 1 || reached != 3 {
		t.Fatalf("asked %d times for 3 writes within a second, reached %d; want 1 and 3", asked, reached)
	}
	answer = &sqldb.NewerSchemaError{Unknown: []string{"9999_x.sql"}, Known: 1}
	gate.checked = time.Now().Add(-2 * time.Second)
	if got := post(); got != http.StatusServiceUnavailable || asked != 2 {
		t.Fatalf("a write a second later on a newer schema: %d (asked %d times), want 503", got, asked)
	}
	answer = errors.New("connection refused")
	gate.checked = time.Now().Add(-2 * time.Second)
	if got := post(); got != http.StatusServiceUnavailable || asked != 3 {
		t.Fatalf("a write while the check fails after a newer schema was seen: %d, want 503 still", got)
	}
}

// TestSchemaGateWritesDoNotWaitForACheck: while one request asks the
// database (here a check that does not answer until the test lets it), the
// other writes do not wait for it: they take the last answer, let through
// before any newer schema was seen, refused after one was; and no second
// check starts meanwhile.
func TestSchemaGateWritesDoNotWaitForACheck(t *testing.T) {
	var reached atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) })
	gate := newSchemaGate(next, &sqldb.DB{}, refusal(t), slog.New(slog.DiscardHandler))
	var asked atomic.Int32
	started, release := make(chan struct{}), make(chan error)
	gate.check = func(context.Context) error {
		asked.Add(1)
		started <- struct{}{}
		return <-release
	}
	post := func() <-chan int {
		done := make(chan int, 1)
		go func() {
			w := httptest.NewRecorder()
			gate.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/reports", nil))
			done <- w.Code
		}()
		return done
	}
	// wait is the answer of a write that must not wait for the check;
	// the guard only turns a write stuck behind it into a failure.
	wait := func(done <-chan int, what string) int {
		t.Helper()
		select {
		case code := <-done:
			return code
		case <-time.After(time.Minute):
			t.Fatalf("%s waited for the check under way", what)
			return 0
		}
	}

	first := post()
	<-started
	if got := wait(post(), "a write before any answer"); got != http.StatusOK {
		t.Fatalf("a write during the first check: %d, want it let through", got)
	}
	release <- &sqldb.NewerSchemaError{Unknown: []string{"9999_x.sql"}, Known: 1}
	if got := <-first; got != http.StatusServiceUnavailable {
		t.Fatalf("the write that asked: %d, want 503 on a newer schema", got)
	}

	gate.mu.Lock()
	gate.checked = time.Now().Add(-2 * time.Second)
	gate.mu.Unlock()
	first = post()
	<-started
	if got := wait(post(), "a write after a newer schema was seen"); got != http.StatusServiceUnavailable {
		t.Fatalf("a write during a check after a newer schema was seen: %d, want 503 still", got)
	}
	release <- nil
	if got := <-first; got != http.StatusOK {
		t.Fatalf("the write that asked when the schema was known again: %d, want it let through", got)
	}
	if n := asked.Load(); n != 2 {
		t.Fatalf("asked %d times, want once per stale answer", n)
	}
	if n := reached.Load(); n != 2 {
		t.Fatalf("%d writes reached the server, want 2", n)
	}
}
