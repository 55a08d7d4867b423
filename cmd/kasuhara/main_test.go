package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"github.com/xuri/excelize/v2"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/casepackage"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/testserver"
)

// cli runs the program with an environment pointing at one database.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T, e sqldb.Engine) *cli {
	t.Helper()
	env := map[string]string{"KASUHARA_DATA": t.TempDir()}
	if e == sqldb.Postgres {
		env["KASUHARA_DATABASE"] = testdb.NewPostgresDatabase(t)
	}
	return &cli{t: t, env: env}
}

func (c *cli) run(stdin string, args ...string) (string, string, error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// store opens the CLI's database as its commands do, until the test ends.
func (c *cli) store() *store.Store {
	c.t.Helper()
	cfg := config.Register(flag.NewFlagSet("t", flag.ContinueOnError), config.Storage, func(k string) string { return c.env[k] })
	db, st, err := openOrCreateStore(context.Background(), cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return st
}

// seedAcme creates the organisation acme with an admin and a desk member,
// each change an audit entry.
func (c *cli) seedAcme() {
	c.t.Helper()
	c.ok("", "org", "create", "--slug", "acme", "--name", "Acme")
	c.ok("", "user", "create", "--email", "a@acme.example", "--name", "A", "--role", "admin")
	c.ok("", "user", "create", "--email", "b@acme.example", "--name", "B", "--role", "desk")
}

// tamper opens the CLI's database behind its back, with the triggers that
// keep the audit trail append-only dropped.
func (c *cli) tamper() *sqldb.DB {
	c.t.Helper()
	db, err := sqldb.Open(context.Background(), c.env["KASUHARA_DATABASE"], c.env["KASUHARA_DATA"])
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	testdb.DisableAuditTriggers(c.t, db)
	return db
}

func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errs, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("kasuhara %v: %v\nstdout: %s\nstderr: %s", args, err, out, errs)
	}
	return out
}

func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

func TestCommands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) { testCommands(t, newCLI(t, eng)) })
}

func testCommands(t *testing.T, c *cli) {
	out := c.ok("", "migrate")
	if !strings.Contains(out, "Applied") {
		t.Fatalf("migrate: %s", out)
	}
	if out := c.ok("", "migrate"); !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %s", out)
	}
	c.ok("", "org", "create", "--slug", "acme", "--name", "Acme 株式会社")
	c.ok("", "org", "create", "--slug", "acme-retail", "--name", "Acme Retail", "--parent", "acme")

	// A password on stdin is used as given and not printed.
	out = c.ok("a-password-from-stdin\n", "user", "create", "--email", "desk@acme.example", "--name", "窓口 一郎", "--role", "desk", "--org", "acme", "--department", "お客様相談室")
	if strings.Contains(out, "a-password-from-stdin") || strings.Contains(out, "One-time") {
		t.Fatalf("user create printed a password it was given: %s", out)
	}
	// Without one, a one-time password is generated and printed once.
	out = c.ok("", "user", "create", "--email", "legal@acme.example", "--name", "法務 花子", "--role", "legal", "--org", "acme")
	if !regexp.MustCompile(`One-time password: \S{5}-\S{5}-\S{5}-\S{5}`).MatchString(out) {
		t.Fatalf("no generated password: %s", out)
	}
	// The operator's link for a person to set their own password.
	out = c.ok("", "user", "link", "--email", "legal@acme.example", "--base-url", "https://k.example.jp")
	if !regexp.MustCompile(`https://k\.example\.jp/account/setup/[A-Za-z0-9_-]{43}\n`).MatchString(out) {
		t.Fatalf("user link: %s", out)
	}
	tok := strings.TrimSpace(c.ok("", "token", "create", "--email", "desk@acme.example", "--label", "phone system"))
	if !strings.HasPrefix(tok, "ksh_") || len(tok) != 47 {
		t.Fatalf("token %q", tok)
	}
	// A phone system's secret: a PBX's made and printed once; Twilio's
	// auth token read from stdin and not printed.
	sip := strings.TrimSpace(c.ok("", "phone", "secret", "--org", "acme", "--source", "sip"))
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sip) {
		t.Fatalf("phone secret: %q", sip)
	}
	if out := c.ok("twilio-auth-token-0123456789\n", "phone", "secret", "--org", "acme", "--source", "twilio"); strings.Contains(out, "twilio-auth-token") {
		t.Fatalf("phone secret printed Twilio's token: %s", out)
	}
	for _, args := range [][]string{{"phone", "secret", "--org", "acme", "--source", "fax"}, {"phone", "secret", "--org", "nowhere", "--source", "sip"},
		{"phone", "secret", "--source", "sip"}, {"phone"}} {
		if _, _, err := c.run("", args...); exitCode(err) != 2 {
			t.Errorf("kasuhara %v: %v, want a usage error", args, err)
		}
	}
	out = c.ok("", "audit", "verify")
	if !regexp.MustCompile(`intact: \d+ entries`).MatchString(out) {
		t.Fatalf("audit verify: %s", out)
	}
	out = c.ok("", "audit", "verify", "--records")
	if !regexp.MustCompile(`intact: \d+ entries`).MatchString(out) || !regexp.MustCompile(`records match their audited state: \d+ groups checked, 0 not yet audited, 0 audited by older columns`).MatchString(out) {
		t.Fatalf("audit verify --records: %s", out)
	}
	if out = c.ok("", "audit", "baseline"); !strings.Contains(out, "state of 0 groups") {
		t.Fatalf("audit baseline: %s", out)
	}
	if c.env["KASUHARA_DATABASE"] == "" {
		copyPath := c.env["KASUHARA_DATA"] + "/copy.db"
		if out := c.ok("", "backup", copyPath); !strings.Contains(out, copyPath) {
			t.Fatalf("backup: %s", out)
		}
		c2 := &cli{t: t, env: map[string]string{"KASUHARA_DATA": t.TempDir()}}
		if err := os.Rename(copyPath, c2.env["KASUHARA_DATA"]+"/kasuhara.db"); err != nil {
			t.Fatal(err)
		}
		if out := c2.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Fatalf("the backup does not verify: %s", out)
		}
	} else if _, _, err := c.run("", "backup", "x.db"); exitCode(err) != 2 {
		t.Fatalf("backup on PostgreSQL: %v, want a usage error pointing to pg_dump", err)
	}
	// A backup taken otherwise (pg_dump) is recorded with --mark; a file
	// and --mark together are a usage error.
	if out := c.ok("", "backup", "--mark"); !strings.Contains(out, "Recorded a backup") {
		t.Fatalf("backup --mark: %s", out)
	}
	if _, _, err := c.run("", "backup", "--mark", "x.db"); exitCode(err) != 2 {
		t.Fatalf("backup --mark FILE: %v, want a usage error", err)
	}
	if out := c.ok("", "version"); !strings.HasPrefix(out, "kasuhara ") {
		t.Fatalf("version: %s", out)
	}

	// Mistakes are usage errors (exit 2) that name the flag.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"org", "create", "--slug", "Bad Slug", "--name", "x"}, "--slug"},
		{[]string{"org", "create", "--slug", "acme", "--name", "Again"}, "--slug is taken"},
		{[]string{"org", "create", "--name", "x"}, "missing --slug"},
		{[]string{"org", "create", "--slug", "y", "--name", "y", "--parent", "nope"}, "--parent"},
		{[]string{"user", "create", "--email", "x@acme.example", "--name", "X", "--role", "boss", "--org", "acme"}, "--role"},
		{[]string{"user", "create", "--email", "desk@acme.example", "--name", "X", "--role", "desk", "--org", "acme"}, "--email is taken"},
		{[]string{"user", "create", "--email", "nobody", "--name", "X", "--role", "desk", "--org", "acme"}, "--email"},
		{[]string{"user", "create", "--email", "y@acme.example", "--name", "Y", "--role", "desk"}, "--org"},
		{[]string{"user", "create", "--email", "y@acme.example", "--name", "Y", "--role", "desk", "--org", "nope"}, "--org"},
		{[]string{"token", "create", "--email", "nobody@acme.example"}, "--email"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"serve", "--addr", "nonsense"}, "--addr"},
		{[]string{"audit"}, "audit verify"},
	} {
		_, _, err := c.run("", tt.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("kasuhara %v: %v (exit %d), want a usage error naming %q", tt.args, err, exitCode(err), tt.want)
		}
	}
	_, _, err := c.run("short\n", "user", "create", "--email", "z@acme.example", "--name", "Z", "--role", "desk", "--org", "acme")
	if exitCode(err) != 2 {
		t.Errorf("a short password on stdin: %v", err)
	}
}

// A mistyped --data must not look like an empty, intact installation.
func TestWrongDataDirectory(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	for _, args := range [][]string{{"audit", "verify"}, {"backup", c.env["KASUHARA_DATA"] + "/x.db"}, {"token", "create", "--email", "a@b.jp"}} {
		_, _, err := c.run("", args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "no database at") {
			t.Errorf("kasuhara %v on an empty directory: %v", args, err)
		}
	}
}

func TestAuditVerifyNamesTamperedEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.seedAcme()
		db := c.tamper()
		testdb.Exec(t, db, "UPDATE audit_entries SET object_type = 'org' WHERE seq = 2")
		out, _, err := c.run("", "audit", "verify")
		if exitCode(err) != 1 || !strings.Contains(out, "BROKEN at entry 2") || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("verify after tampering: %v\n%s", err, out)
		}
	})
}

// TestAuditAnchorFindsCutOffTail cuts the newest entries off and rewrites
// the head to match, after dropping the triggers: the chain verifies, the
// anchor written before tells (finding 6 of issue 16).
func TestAuditAnchorFindsCutOffTail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.seedAcme()
		anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
		if out := c.ok("", "audit", "anchor", "--out", anchors); !strings.Contains(out, "Anchored the head") {
			t.Fatalf("audit anchor: %s", out)
		}
		if info, err := os.Stat(filepath.Join(c.env["KASUHARA_DATA"], "keys", "audit-anchor.key")); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("anchor key: %v, %v", info, err)
		}
		if out := c.ok("", "audit", "verify", "--anchor", anchors); !strings.Contains(out, "reaches the anchored head") {
			t.Fatalf("verify --anchor before tampering: %s", out)
		}
		db := c.tamper()
		testdb.Exec(t, db, "DELETE FROM audit_entries WHERE seq > (SELECT MAX(seq) - 2 FROM audit_entries)")
		testdb.Exec(t, db, `UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_entries),
				hash = (SELECT hash FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)) WHERE id = 1`)
		if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Fatalf("the cut chain should verify on its own: %s", out)
		}
		out, _, err := c.run("", "audit", "verify", "--anchor", anchors)
		if exitCode(err) != 1 || !strings.Contains(out, "entries were cut off") {
			t.Fatalf("verify --anchor after cutting: %v\n%s", err, out)
		}
	})
}

// TestServeAnchorsTheHead: with --audit-anchor, serve makes the key on
// its first start and appends the signed head to the file; with
// --audit-anchor-webhook it POSTs the same signed head to a local HTTP
// server (allowed by --webhook-allow), whose copy verifies too.
func TestServeAnchorsTheHead(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
	anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
	c.env["KASUHARA_AUDIT_ANCHOR"] = anchors
	var mu sync.Mutex
	var posted []byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posted = b
		mu.Unlock()
	}))
	defer hook.Close()
	c.env["KASUHARA_AUDIT_ANCHOR_WEBHOOK"] = hook.URL + "/anchors"
	c.env["KASUHARA_WEBHOOK_ALLOW"] = "127.0.0.1"
	serveUntil(t, c, func() bool {
		b, _ := os.ReadFile(anchors)
		mu.Lock()
		defer mu.Unlock()
		return bytes.Contains(b, []byte(`"signature"`)) && len(posted) > 0
	})
	if out := c.ok("", "audit", "verify", "--anchor", anchors); !strings.Contains(out, "reaches the anchored head") {
		t.Fatalf("verify --anchor: %s", out)
	}
	file, _ := os.ReadFile(anchors)
	if !bytes.Contains(file, posted) {
		t.Fatalf("the webhook got %s, the file holds %s", posted, file)
	}
	received := filepath.Join(t.TempDir(), "received.jsonl")
	if err := os.WriteFile(received, append(posted, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("", "audit", "verify", "--anchor", received); !strings.Contains(out, "reaches the anchored head") {
		t.Fatalf("verify --anchor (the webhook's copy): %s", out)
	}
}

// TestServeFirstRun starts the real server: on an empty database it prints
// the first admin's one-time password once, and never again.
func TestServeFirstRun(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
	out, logs := serveBriefly(t, c)
	if !regexp.MustCompile(`one-time password:\s+\S{5}-\S{5}-\S{5}-\S{5}`).MatchString(out) || !strings.Contains(out, "admin@localhost.localdomain") {
		t.Fatalf("first start printed no admin:\n%s", out)
	}
	pw := regexp.MustCompile(`one-time password:\s+(\S+)`).FindStringSubmatch(out)[1]
	if strings.Contains(logs, pw) {
		t.Fatal("the one-time password is in the log")
	}
	out2, _ := serveBriefly(t, c)
	if strings.Contains(out2, "one-time password") {
		t.Fatalf("second start printed a password again:\n%s", out2)
	}
}

// TestServeMailbox: serve with --smtp-listen takes mail for the desk's
// address, given by a real SMTP client, as an intake item of the
// organisation; another address is refused.
func TestServeMailbox(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr := ln.Addr().String()
	ln.Close()
	c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
	c.env["KASUHARA_SMTP_LISTEN"] = smtpAddr
	c.env["KASUHARA_SMTP_DESK"] = "soudan@example.jp=default"
	sent := false
	out, logs := serveUntil(t, c, func() bool {
		msg := "From: clerk@example.jp\r\nTo: soudan@example.jp\r\nSubject: test\r\n\r\n怒鳴られました\r\n"
		if err := smtp.SendMail(smtpAddr, nil, "clerk@example.jp", []string{"someone@example.jp"}, []byte(msg)); err == nil {
			t.Errorf("a mail to another address was taken")
		}
		sent = smtp.SendMail(smtpAddr, nil, "clerk@example.jp", []string{"soudan@example.jp"}, []byte(msg)) == nil
		return sent
	})
	if !strings.Contains(out, "The desk's mailbox is listening on "+smtpAddr) {
		t.Errorf("serve did not say where the mailbox listens:\n%s", out)
	}
	if strings.Contains(logs, "怒鳴") || strings.Contains(logs, "clerk@example.jp") {
		t.Errorf("the log holds the mail:\n%s", logs)
	}
	db, err := sqldb.Open(context.Background(), "", c.env["KASUHARA_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Read.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM intake_items i JOIN orgs o ON o.id = i.org_id WHERE o.slug = 'default'").Scan(&n); err != nil || n != 1 {
		t.Errorf("intake items = %d, %v", n, err)
	}
}

// serveBriefly runs serve until /healthz answers, then stops it the way a
// signal does, and returns stdout and stderr.
func serveBriefly(t *testing.T, c *cli) (string, string) {
	t.Helper()
	return serveUntil(t, c, nil)
}

// serveUntil is serveBriefly that stops the server once until returns true
// (polled for ten seconds).
func serveUntil(t *testing.T, c *cli, until func() bool) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return c.env[k] }, strings.NewReader(""), pw, &logs)
		pw.Close()
	}()
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	addr := ""
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		cancel()
		t.Fatalf("serve did not start: %v\n%s\n%s", <-done, out.String(), logs.String())
	}
	if err := testserver.WaitHealthy(ctx, addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(addr + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()
	for deadline := time.Now().Add(10 * time.Second); until != nil && !until(); {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("the server did not do what was waited for:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	return out.String(), logs.String()
}

func TestVerifyPackageCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, files map[string]string) string {
		p := casepackage.Package{Record: casepackage.Record{CaseRef: "K-2026-00001", CreatedBy: "窓口", CreatedAt: time.Now()}, Summary: []byte("%PDF")}
		for n, data := range files {
			p.Files = append(p.Files, casepackage.File{Name: n, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil }})
		}
		f, _ := os.Create(filepath.Join(dir, name))
		defer f.Close()
		if _, err := casepackage.Write(f, p); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	good := write("good.zip", map[string]string{"a.png": "aaa"})
	c := &cli{t: t, env: map[string]string{}}
	if out := c.ok("", "verify-package", good); !strings.Contains(out, "Intact: 4 files") {
		t.Fatalf("verify-package: %s", out)
	}
	// Change one byte of the evidence inside the ZIP (stored compressed:
	// rewrite the archive).
	bad := filepath.Join(dir, "bad.zip")
	zr, _ := zip.OpenReader(good)
	out, _ := os.Create(bad)
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.HasPrefix(f.Name, "evidence/") {
			b = []byte("aab")
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	out.Close()
	zr.Close()
	stdout, _, err := c.run("", "verify-package", bad)
	if exitCode(err) != 1 || !strings.Contains(stdout, "BROKEN: evidence/01-a.png") {
		t.Fatalf("a changed file: %v\n%s", err, stdout)
	}
	if _, _, err := c.run("", "verify-package", filepath.Join(dir, "missing.zip")); exitCode(err) != 2 {
		t.Fatalf("a missing file: %v", err)
	}
}

// The server collects garbage less often than Go's default unless the
// operator set GOGC.
func TestServeGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if got := tuneGC(func(string) string { return "" }); got != serveGCPercent || debug.SetGCPercent(100) != serveGCPercent {
		t.Errorf("without GOGC: %d", got)
	}
	debug.SetGCPercent(150) // as if GOGC=150 had been read at start
	if got := tuneGC(func(k string) string { return map[string]string{"GOGC": "150"}[k] }); got != 150 || debug.SetGCPercent(100) != 150 {
		t.Errorf("with GOGC=150: %d", got)
	}
}

// TestReadmeListsEveryCommand keeps README's table of commands and the
// program's commands the same: each command has a row, each row a command,
// and the README links nothing outside the repository.
func TestReadmeListsEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)[ `:]").FindAllStringSubmatch(readme, -1) {
		rows[m[1]] = true
	}
	names := map[string]bool{}
	for _, c := range commands() {
		names[c.name] = true
		if !rows[c.name] {
			t.Errorf("README's table of commands has no row for %q", c.name)
		}
	}
	for r := range rows {
		if !names[r] {
			t.Errorf("README's table names %q, which is no command", r)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)[^)]*\)`).FindAllStringSubmatch(readme, -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "/") {
			continue // a web address is not a file of a clone
		}
		if _, err := os.Stat(filepath.Join("../..", target)); err != nil || strings.HasPrefix(filepath.Clean(target), "..") {
			t.Errorf("README links %s, which a clone does not have", target)
		}
	}
}

// TestImportCasesCommand (issue 25): kasuhara import cases reads a workbook
// written with excelize, says what is wrong by row and column, imports
// nothing until every row is right, then all at once, and refuses the same
// file twice; a macro workbook is refused by name.
func TestImportCasesCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.ok("", "migrate")
		c.ok("", "org", "create", "--slug", "acme", "--name", "Acme 株式会社")
		c.ok("pw-long-enough-1\n", "user", "create", "--email", "boss@acme.example", "--name", "店長", "--role", "supervisor", "--org", "acme", "--department", "新宿店")
		f := excelize.NewFile()
		for i, row := range [][]any{{"発生日", "店舗", "分類", "内容", "対応状況"},
			{"5月2日", "新宿店", "謎の行為", "名刺を何十枚も要求された", "対応中"},
			{"令和6年5月3日", "新宿店", "暴言", "「役立たず」と怒鳴られた", "完了"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			f.SetSheetRow("Sheet1", cell, &row)
		}
		path := filepath.Join(t.TempDir(), "記録簿.xlsx")
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		out, _, err := c.run("", "import", "cases", path, "--dry-run")
		if err == nil || !strings.Contains(out+err.Error(), "row 2, column 発生日") || !strings.Contains(out, `"謎の行為"`) {
			t.Fatalf("dry run with problems: %v\n%s", err, out)
		}
		out = c.ok("", "import", "cases", path, "--dry-run", "--year", "2024", "--value", "謎の行為=out_of_scope_demand")
		if !strings.Contains(out, "2 cases would be imported") {
			t.Fatalf("dry run: %s", out)
		}
		out = c.ok("", "import", "cases", path, "--year", "2024", "--value", "謎の行為=out_of_scope_demand")
		if !strings.Contains(out, "Imported 2 cases (K-2024-00001 … K-2024-00002)") {
			t.Fatalf("import: %s", out)
		}
		if out, _, err := c.run("", "import", "cases", path, "--year", "2024", "--value", "謎の行為=out_of_scope_demand"); err == nil {
			t.Fatalf("the same file imported twice: %s", out)
		}
		if out := c.ok("", "audit", "verify", "--records"); !strings.Contains(out, "intact") {
			t.Fatalf("audit verify: %s", out)
		}
		// The same workbook with a macro project in it, as Excel saves .xlsm.
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		raw, _ := os.ReadFile(path)
		zr, _ := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		for _, zf := range zr.File {
			w, _ := zw.Create(zf.Name)
			r, _ := zf.Open()
			io.Copy(w, r)
			r.Close()
		}
		w, _ := zw.Create("xl/vbaProject.bin")
		w.Write([]byte("Attribute VB_Name"))
		zw.Close()
		macro := filepath.Join(t.TempDir(), "macro.xlsm")
		if err := os.WriteFile(macro, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, _, err := c.run("", "import", "cases", macro, "--dry-run"); err == nil || !strings.Contains(err.Error(), "macros") {
			t.Fatalf("a macro workbook: %v %s", err, out)
		}
	})
}
