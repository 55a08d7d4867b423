package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/testserver"
	"github.com/minio/minio-go/v7"
)

// serveInBackground runs serve in the background and returns its address, a
// stop that waits for it (and runs when the test ends) and its log.
func serveInBackground(t *testing.T, c *cli) (string, func(), *testserver.Buffer) {
	t.Helper()
	c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &testserver.Buffer{}
	done := make(chan error, 1)
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), pw, logs)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	addr := ""
	for sc.Scan() {
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		cancel()
		t.Fatalf("serve did not start: %v\n%s", <-done, logs.String())
	}
	if err := testserver.WaitHealthy(ctx, addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.String())
		}
	}
	t.Cleanup(stop)
	return addr, stop, logs
}

// apiClient calls the API of a server with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (a apiClient) do(method, path, contentType string, body io.Reader) (int, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// fileWithEvidence files a report and uploads a text file to it; it
// returns the case id and the file's content.
func (a apiClient) fileWithEvidence(n int) (string, []byte, error) {
	rep := map[string]any{
		"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "duration_minutes": 20, "channel": "phone",
		"categories": []string{"violence_abuse"}, "subtypes": []string{"shouting"},
		"request_content": "返金", "conduct": fmt.Sprintf("%d回目の電話で30分怒鳴り続けた", n),
		"customer": map[string]string{"name": "佐藤 一郎", "phone": "090-1111-2222"},
	}
	body, _ := json.Marshal(rep)
	code, out := a.do("POST", "/api/v1/reports", "application/json", bytes.NewReader(body))
	if code != 201 {
		return "", nil, fmt.Errorf("file report: %d %s", code, out)
	}
	var c struct{ ID string }
	json.Unmarshal(out, &c)
	content := []byte(strings.Repeat(fmt.Sprintf("通話記録 %d: お客様は大声で怒鳴った。\n", n), 200+n))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", fmt.Sprintf("記録%d.txt", n))
	fw.Write(content)
	mw.Close()
	code, out = a.do("POST", "/api/v1/cases/"+c.ID+"/evidence", mw.FormDataContentType(), &buf)
	if code != 201 {
		return "", nil, fmt.Errorf("upload evidence: %d %s", code, out)
	}
	return c.ID, content, nil
}

type evidenceItem struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// casePages returns what the desk reads of case id: the case and its
// evidence files' bytes.
func (a apiClient) casePages(id string) (string, map[string]string) {
	a.t.Helper()
	code, c := a.do("GET", "/api/v1/cases/"+id, "", nil)
	if code != 200 {
		a.t.Fatalf("GET case %s: %d %s", id, code, c)
	}
	code, l := a.do("GET", "/api/v1/cases/"+id+"/evidence", "", nil)
	if code != 200 {
		a.t.Fatalf("GET evidence of %s: %d %s", id, code, l)
	}
	var list struct{ Evidence []evidenceItem }
	json.Unmarshal(l, &list)
	files := map[string]string{}
	for _, e := range list.Evidence {
		code, b := a.do("GET", "/api/v1/cases/"+id+"/evidence/"+e.ID, "", nil)
		if code != 200 {
			a.t.Fatalf("download %s: %d", e.ID, code)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			a.t.Errorf("evidence %s downloads with another hash", e.ID)
		}
		files[e.ID] = string(b)
	}
	return string(c), files
}

const testPassphrase = "correct horse battery staple"

// TestBackupWhileFilingAndRestore: a backup taken while reports are being
// filed restores into a fresh installation (a fresh data directory; on
// PostgreSQL a fresh database and a fresh bucket) whose server answers the
// same case pages and files; verify checks the archive without restoring.
func TestBackupWhileFilingAndRestore(t *testing.T) {
	onBackupInstalls(t, func(t *testing.T, newInstall func() (*cli, *testdb.S3Bucket)) {
		src, _ := newInstall()
		dst, _ := newInstall()
		testBackupRestore(t, src, dst)
	})
}

// onBackupInstalls runs f on SQLite with the files on disk and on
// PostgreSQL with the files in a bucket; newInstall makes a fresh
// installation of the engine (a data directory, a database, and on
// PostgreSQL a bucket of its own, returned).
func onBackupInstalls(t *testing.T, f func(t *testing.T, newInstall func() (*cli, *testdb.S3Bucket))) {
	for _, tt := range []struct {
		name string
		eng  sqldb.Engine
		s3   bool
	}{{"sqlite-local", sqldb.SQLite, false}, {"postgres-s3", sqldb.Postgres, true}} {
		t.Run(tt.name, func(t *testing.T) {
			f(t, func() (*cli, *testdb.S3Bucket) {
				c := newCLI(t, tt.eng)
				if !tt.s3 {
					return c, nil
				}
				b := testdb.NewS3Bucket(t)
				for _, kv := range b.Env("evidence") {
					k, v, _ := strings.Cut(kv, "=")
					c.env[k] = v
				}
				return c, &b
			})
		})
	}
}

func testBackupRestore(t *testing.T, src, dst *cli) {
	src.seedAcme()
	src.ok("employee-password-1\n", "user", "create", "--email", "e@acme.example", "--name", "E", "--role", "employee", "--org", "acme")
	empTok := strings.TrimSpace(src.ok("", "token", "create", "--email", "e@acme.example"))
	deskTok := strings.TrimSpace(src.ok("", "token", "create", "--email", "b@acme.example"))
	addr, stop, _ := serveInBackground(t, src)
	emp, desk := apiClient{t, addr, empTok}, apiClient{t, addr, deskTok}
	var before []string
	for i := range 3 {
		id, _, err := emp.fileWithEvidence(i)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, id)
	}
	want := map[string]string{}
	wantFiles := map[string]map[string]string{}
	for _, id := range before {
		want[id], wantFiles[id] = desk.casePages(id)
	}

	// Reports keep coming while the backup runs.
	var wg sync.WaitGroup
	stopFiling := make(chan struct{})
	var filed atomic.Int64
	var fileErr error
	firstFiled := make(chan struct{})
	wg.Go(func() {
		for n := 100; ; n++ {
			select {
			case <-stopFiling:
				return
			default:
			}
			if _, _, err := emp.fileWithEvidence(n); err != nil {
				fileErr = err
				return
			}
			if filed.Add(1) == 1 {
				close(firstFiled)
			}
			time.Sleep(100 * time.Millisecond) // a busy desk, not a flood
		}
	})
	select {
	case <-firstFiled:
	case <-time.After(30 * time.Second):
		t.Fatalf("no report filed in 30 s: %v", fileErr)
	}
	atStart := filed.Load()
	archive := filepath.Join(t.TempDir(), "kasuhara.backup")
	// The backup takes its time over each file, so that reports are filed
	// while it copies.
	afterBlobFile = func() { time.Sleep(200 * time.Millisecond) }
	out := src.ok("", "backup", "--passphrase", testPassphrase, archive)
	afterBlobFile = nil
	during := filed.Load() - atStart
	if during == 0 {
		t.Error("no report was filed while the backup ran")
	}
	close(stopFiling)
	wg.Wait()
	if fileErr != nil {
		t.Fatal(fileErr)
	}
	t.Logf("%d reports filed while the backup ran; %s", during, strings.TrimSpace(out))
	if !strings.Contains(out, "evidence key is not in it") {
		t.Errorf("backup does not say the key is apart: %s", out)
	}
	keyFile := filepath.Join(t.TempDir(), "kasuhara.keys")
	if out := src.ok("", "backup", "key", "--passphrase", testPassphrase, keyFile); !strings.Contains(out, "evidence.age-key") {
		t.Errorf("backup key: %s", out)
	}
	stop()

	// The archive holds no plaintext, and the passphrase opens it.
	raw, _ := os.ReadFile(archive)
	if bytes.Contains(raw, []byte("通話記録")) || bytes.Contains(raw, []byte("SQLite format")) {
		t.Fatal("the archive holds plaintext")
	}
	if out := src.ok("", "backup", "verify", "--passphrase", testPassphrase, archive); !strings.Contains(out, "is intact") {
		t.Errorf("backup verify: %s", out)
	}
	if _, _, err := src.run("", "backup", "verify", "--passphrase", "a wrong passphrase", archive); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("verify with a wrong passphrase: %v", err)
	}
	// Restoring over the installation it came from is refused.
	if _, _, err := src.run("", "restore", "--passphrase", testPassphrase, archive); exitCode(err) != 2 || !strings.Contains(err.Error(), "empty") {
		t.Errorf("restore into a non-empty installation: %v", err)
	}

	dst.ok("", "restore", "key", "--passphrase", testPassphrase, keyFile)
	out = dst.ok("", "restore", "--passphrase", testPassphrase, archive)
	if !strings.Contains(out, "audit trail is intact") || !strings.Contains(out, "decrypted and match") {
		t.Errorf("restore: %s", out)
	}
	if out := dst.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit verify after restore: %s", out)
	}
	addr2, _, _ := serveInBackground(t, dst)
	desk2 := apiClient{t, addr2, deskTok}
	for _, id := range before {
		got, files := desk2.casePages(id)
		if got != want[id] {
			t.Errorf("case %s reads differently after the restore:\n%s\nwas\n%s", id, got, want[id])
		}
		if len(files) != len(wantFiles[id]) {
			t.Errorf("case %s has %d files after the restore, %d before", id, len(files), len(wantFiles[id]))
		}
		for k, v := range wantFiles[id] {
			if files[k] != v {
				t.Errorf("case %s: file %s differs after the restore", id, k)
			}
		}
	}
	// Every case of the restored server, those filed during the backup
	// too, reads whole.
	code, body := desk2.do("GET", "/api/v1/cases?limit=200", "", nil)
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	var list struct{ Cases []struct{ ID string } }
	json.Unmarshal(body, &list)
	if len(list.Cases) < len(before) {
		t.Fatalf("restored server lists %d cases, want at least %d", len(list.Cases), len(before))
	}
	for _, c := range list.Cases {
		desk2.casePages(c.ID)
	}
}

// TestCorruptArchiveRefused: an archive with a flipped byte, and one whose
// evidence entry was replaced and encrypted again with the passphrase, are
// refused by verify and by restore, naming the entry; the restore leaves
// nothing behind. On SQLite with the files on disk, and on PostgreSQL
// with the files in a bucket.
func TestCorruptArchiveRefused(t *testing.T) {
	onBackupInstalls(t, testCorruptArchiveRefused)
}

func testCorruptArchiveRefused(t *testing.T, newInstall func() (*cli, *testdb.S3Bucket)) {
	src, _ := newInstall()
	src.seedAcme()
	src.ok("employee-password-1\n", "user", "create", "--email", "e@acme.example", "--name", "E", "--role", "employee", "--org", "acme")
	tok := strings.TrimSpace(src.ok("", "token", "create", "--email", "e@acme.example"))
	addr, stop, _ := serveInBackground(t, src)
	emp := apiClient{t, addr, tok}
	for i := range 3 {
		if _, _, err := emp.fileWithEvidence(i); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	dir := t.TempDir()
	archive := filepath.Join(dir, "good.backup")
	src.ok("", "backup", "--passphrase", testPassphrase, archive)
	raw, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}

	flipped := filepath.Join(dir, "flipped.backup")
	bad := bytes.Clone(raw)
	bad[len(bad)*2/3] ^= 0x40
	os.WriteFile(flipped, bad, 0o600)

	// Decrypt, change one byte of an evidence entry's content, encrypt
	// again with the passphrase: the encryption is sound, the manifest
	// catches it.
	swapped := filepath.Join(dir, "swapped.backup")
	id, _ := age.NewScryptIdentity(testPassphrase)
	dec, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(dec)
	i := bytes.Index(plain, []byte("evidence/"))
	if i < 0 {
		t.Fatal("no evidence entry in the archive")
	}
	entry := string(plain[i : i+9+3+32])
	plain[i+512+600] ^= 0x01 // inside the entry's content, after its 512-byte header
	var enc bytes.Buffer
	rcp, _ := age.NewScryptRecipient(testPassphrase)
	rcp.SetWorkFactor(15)
	w, _ := age.Encrypt(&enc, rcp)
	w.Write(plain)
	w.Close()
	os.WriteFile(swapped, enc.Bytes(), 0o600)

	for _, tt := range []struct{ file, want string }{
		{flipped, "damaged"},
		{swapped, entry + " does not match the manifest"},
	} {
		_, _, err := src.run("", "backup", "verify", "--passphrase", testPassphrase, tt.file)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.file) {
			t.Errorf("verify %s: %v, want an error naming the archive and saying %q", filepath.Base(tt.file), err, tt.want)
		}
		dst, bucket := newInstall()
		_, _, err = dst.run("", "restore", "--passphrase", testPassphrase, tt.file)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("restore %s: %v, want %q", filepath.Base(tt.file), err, tt.want)
		}
		if _, err := os.Stat(filepath.Join(dst.env["KASUHARA_DATA"], "kasuhara.db")); err == nil {
			t.Errorf("a refused restore left a database behind")
		}
		if url := dst.env["KASUHARA_DATABASE"]; url != "" {
			if n, err := pgTables(context.Background(), url); err != nil || n > 0 {
				t.Errorf("a refused restore left %d tables in the database (%v)", n, err)
			}
		}
		ents, _ := filepath.Glob(filepath.Join(dst.env["KASUHARA_DATA"], "evidence", "??", "*"))
		if bucket != nil {
			for o := range bucket.Client.ListObjects(context.Background(), bucket.Bucket, minio.ListObjectsOptions{Recursive: true}) {
				ents = append(ents, o.Key)
			}
		}
		if len(ents) > 0 {
			t.Errorf("a refused restore left %d evidence files behind", len(ents))
		}
	}
	if _, _, err := src.run("", "backup", "verify", "--passphrase", testPassphrase, flipped); err != nil && strings.Contains(err.Error(), "(the start)") {
		t.Errorf("the error names no entry: %v", err)
	}
}

// TestBackupToRecipientAndWithoutPgDump: an archive encrypted to an age
// recipient opens with its identity file and not with a passphrase; on
// PostgreSQL without pg_dump the backup says so plainly and writes nothing;
// bad flags are usage errors naming the flag.
func TestBackupToRecipientAndWithoutPgDump(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	c.seedAcme()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	idFile := filepath.Join(dir, "backup.age-key")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	archive := filepath.Join(dir, "k.backup")
	c.ok("", "backup", "--recipient", id.Recipient().String(), archive)
	if out := c.ok("", "backup", "verify", "--identity", idFile, archive); !strings.Contains(out, "is intact") {
		t.Errorf("verify with the identity: %s", out)
	}
	if _, _, err := c.run("", "backup", "verify", "--passphrase", testPassphrase, archive); err == nil {
		t.Error("a passphrase opened an archive encrypted to a recipient")
	}
	// The passphrase from the environment.
	c.env["KASUHARA_BACKUP_PASSPHRASE"] = testPassphrase
	c.ok("", "backup", filepath.Join(dir, "env.backup"))
	c.ok("", "backup", "verify", filepath.Join(dir, "env.backup"))
	if _, _, err := c.run("", "backup", filepath.Join(dir, "env.backup")); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	delete(c.env, "KASUHARA_BACKUP_PASSPHRASE")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--passphrase", "short", filepath.Join(dir, "x")}, "--passphrase"},
		{[]string{"backup", "--recipient", "age1nonsense", filepath.Join(dir, "x")}, "--recipient"},
		{[]string{"backup", "--passphrase", testPassphrase, "--recipient", id.Recipient().String(), filepath.Join(dir, "x")}, "not both"},
		{[]string{"backup", "verify", archive}, "--passphrase"},
		{[]string{"backup", "key", filepath.Join(dir, "keys")}, "never written in the clear"},
		{[]string{"restore", "--passphrase", testPassphrase}, "usage"},
	} {
		if _, _, err := c.run("", tt.args...); exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("kasuhara %v: %v, want a usage error naming %q", tt.args, err, tt.want)
		}
	}

	pg := newCLI(t, sqldb.Postgres)
	pg.seedAcme()
	t.Setenv("PATH", t.TempDir()) // no pg_dump
	out := filepath.Join(dir, "pg.backup")
	_, _, err = pg.run("", "backup", "--passphrase", testPassphrase, out)
	if err == nil || !strings.Contains(err.Error(), "pg_dump is not installed") {
		t.Errorf("backup without pg_dump: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed backup left its file")
	}
}

// TestPlainBackupWarns: kasuhara backup FILE without a passphrase or a
// recipient still writes the plain copy of the SQLite database that old
// scripts expect (the contract's command), but says on stderr that it is
// unencrypted and holds neither the evidence files nor the keys, and how
// to write the archive instead; with a passphrase nothing is said there.
func TestPlainBackupWarns(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	c.seedAcme()
	dir := t.TempDir()
	plain := filepath.Join(dir, "copy.db")
	out, errs, err := c.run("", "backup", plain)
	if err != nil {
		t.Fatalf("backup FILE: %v\n%s", err, errs)
	}
	if !strings.Contains(out, plain) {
		t.Errorf("stdout: %s", out)
	}
	for _, want := range []string{"warning", "NOT encrypted", "database only", "no evidence files", "--passphrase", "--recipient"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not say %q:\n%s", want, errs)
		}
	}
	if raw, _ := os.ReadFile(plain); !bytes.HasPrefix(raw, []byte("SQLite format 3")) {
		t.Error("backup FILE did not write a SQLite database")
	}
	_, errs, err = c.run("", "backup", "--passphrase", testPassphrase, filepath.Join(dir, "k.backup"))
	if err != nil || errs != "" {
		t.Errorf("archive: %v, stderr %q", err, errs)
	}
}

// expireCase makes case id of c's installation due for the nightly purge:
// closed long ago under a rule that keeps closed cases a month.
func expireCase(t *testing.T, c *cli, id string) {
	t.Helper()
	ctx := context.Background()
	db := c.store().DB()
	if _, err := db.Read.ExecContext(ctx, "UPDATE cases SET state = 'closed', closed_at = $1 WHERE id = $2",
		time.Now().AddDate(-2, 0, 0).UTC(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Read.ExecContext(ctx, `INSERT INTO retention_rules (id, org_id, state, verdict, keep_months, created_at)
		SELECT 'rule-' || id, org_id, 'closed', '', 1, $2 FROM cases WHERE id = $1 ON CONFLICT DO NOTHING`, id, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
}

// purgeNow runs the nightly purge of c's installation, deleting the files
// from its evidence store, and returns how many cases went.
func purgeNow(t *testing.T, c *cli) int {
	t.Helper()
	n, err := c.store().PurgeExpired(context.Background(), "", blobsOf(t, c).Delete)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupRacesPurge: on PostgreSQL with evidence in a bucket, the
// nightly purge removes a case (and deletes its object from the bucket)
// after pg_dump has taken the database and before the files are copied.
// The archive records the file as purged, verifies and restores; the
// restore finishes the purge of that case, audited, so that the restored
// server lists no evidence it cannot give.
func TestBackupRacesPurge(t *testing.T) {
	c := newCLI(t, sqldb.Postgres)
	bucket := testdb.NewS3Bucket(t)
	for _, kv := range bucket.Env("evidence") {
		k, v, _ := strings.Cut(kv, "=")
		c.env[k] = v
	}
	seedEvidence(t, c, 3)
	st := c.store()
	ids := testdb.Strings(t, st.DB(), "SELECT id FROM cases ORDER BY created_at")
	gone := ids[0]
	goneBlob := testdb.Strings(t, st.DB(), "SELECT blob_id FROM evidence WHERE case_id = $1", gone)[0]
	expireCase(t, c, gone)

	purged := 0
	afterDatabaseDump = func() { purged = purgeNow(t, c) }
	defer func() { afterDatabaseDump = nil }()
	dir := t.TempDir()
	archive, keyFile := filepath.Join(dir, "k.backup"), filepath.Join(dir, "k.keys")
	out := c.ok("", "backup", "--passphrase", testPassphrase, archive)
	afterDatabaseDump = nil
	if purged != 1 {
		t.Fatalf("the purge during the backup removed %d cases, want 1", purged)
	}
	if !strings.Contains(out, "1 files were purged with their cases while the backup ran") {
		t.Errorf("backup: %s", out)
	}
	// The nightly purge deleted the object from the bucket, and only it.
	left := 0
	for o := range bucket.Client.ListObjects(context.Background(), bucket.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		left++
		if strings.Contains(o.Key, goneBlob) {
			t.Errorf("the purged case's file is still in the bucket: %s", o.Key)
		}
	}
	if left != 2 {
		t.Errorf("the bucket holds %d objects after the purge, want the other cases' 2", left)
	}
	if n := testdb.Strings(t, st.DB(), "SELECT blob_id FROM pending_blob_deletes"); len(n) != 0 {
		t.Errorf("files left pending deletion after the purge: %v", n)
	}
	c.ok("", "backup", "verify", "--passphrase", testPassphrase, archive)
	c.ok("", "backup", "key", "--passphrase", testPassphrase, keyFile)

	dst := newCLI(t, sqldb.Postgres)
	for _, kv := range testdb.NewS3Bucket(t).Env("evidence") {
		k, v, _ := strings.Cut(kv, "=")
		dst.env[k] = v
	}
	dst.ok("", "restore", "key", "--passphrase", testPassphrase, keyFile)
	out = dst.ok("", "restore", "--passphrase", testPassphrase, archive)
	if !strings.Contains(out, "decrypted and match") || !strings.Contains(out, "purge") {
		t.Errorf("restore: %s", out)
	}
	db := dst.store().DB()
	if n := testdb.Strings(t, db, "SELECT id FROM cases WHERE id = $1", gone); len(n) != 0 {
		t.Errorf("the case purged during the backup is back after the restore")
	}
	if n := testdb.Strings(t, db, "SELECT id FROM evidence WHERE blob_id = $1", goneBlob); len(n) != 0 {
		t.Errorf("the restored database lists evidence whose file was purged")
	}
	if got := testdb.Strings(t, db, "SELECT id FROM cases ORDER BY created_at"); !slices.Equal(got, ids[1:]) {
		t.Errorf("restored cases %v, want %v", got, ids[1:])
	}
	purges := testdb.Strings(t, db, "SELECT detail FROM audit_entries WHERE action = 'case.purge' AND object_id = $1 ORDER BY seq", gone)
	if len(purges) != 1 || !strings.Contains(purges[0], "restore") {
		t.Errorf("the purge finished by the restore is audited as %v", purges)
	}
	if out := dst.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit verify after the restore: %s", out)
	}
	if got := checkFiles(t, dst); got != 2 {
		t.Errorf("%d files after the restore, want 2", got)
	}
}

// TestVerifyPostgresArchiveAuditChain: backup verify of a PostgreSQL
// archive says plainly that it did not check the audit trail, unless
// --scratch-database names an empty database: then it loads the dump
// there with pg_restore, verifies the trail (refusing an archive whose
// trail was altered before the backup), and empties the scratch database
// again. A scratch database that holds tables is refused.
func TestVerifyPostgresArchiveAuditChain(t *testing.T) {
	c := newCLI(t, sqldb.Postgres)
	c.seedAcme()
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.backup"), filepath.Join(dir, "bad.backup")
	c.ok("", "backup", "--passphrase", testPassphrase, good)
	db := c.tamper()
	testdb.Exec(t, db, "UPDATE audit_entries SET detail = '{\"slug\":\"evil\"}' WHERE seq = (SELECT MIN(seq) FROM audit_entries)")
	c.ok("", "backup", "--passphrase", testPassphrase, bad)

	if out := c.ok("", "backup", "verify", "--passphrase", testPassphrase, bad); !strings.Contains(out, "not verified") {
		t.Errorf("verify without a scratch database does not say the trail was not checked: %s", out)
	}
	scratch := testdb.NewPostgresDatabase(t)
	out := c.ok("", "backup", "verify", "--passphrase", testPassphrase, "--scratch-database", scratch, good)
	if !regexp.MustCompile(`the audit trail in its database is intact \(\d+ entries, loaded into the scratch database and removed again\)`).MatchString(out) {
		t.Errorf("verify with a scratch database: %s", out)
	}
	tables := func() int {
		n, err := pgTables(context.Background(), scratch)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tables(); n != 0 {
		t.Errorf("verify left %d tables in the scratch database", n)
	}
	_, _, err := c.run("", "backup", "verify", "--passphrase", testPassphrase, "--scratch-database", scratch, bad)
	if err == nil || !strings.Contains(err.Error(), "does not verify") || !strings.Contains(err.Error(), bad) {
		t.Errorf("verify of an archive with an altered trail: %v", err)
	}
	if n := tables(); n != 0 {
		t.Errorf("a failed verify left %d tables in the scratch database", n)
	}
	// A database that holds tables is not a scratch database.
	if _, _, err := c.run("", "backup", "verify", "--passphrase", testPassphrase, "--scratch-database", c.env["KASUHARA_DATABASE"], good); exitCode(err) != 2 || !strings.Contains(err.Error(), "--scratch-database") {
		t.Errorf("verify into a database with tables: %v", err)
	}
}
