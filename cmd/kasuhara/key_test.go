package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestHelperKasuhara is not a test: the tests that kill a command run it
// as a child process of the test binary, with the command line in
// KASUHARA_HELPER_ARGS and KASUHARA_HELPER_PAUSE (a duration) after each
// evidence file, so that a kill lands in the middle of a run.
func TestHelperKasuhara(t *testing.T) {
	args := os.Getenv("KASUHARA_HELPER_ARGS")
	if args == "" {
		t.Skip("run by the tests that kill a command")
	}
	if d, err := time.ParseDuration(os.Getenv("KASUHARA_HELPER_PAUSE")); err == nil {
		afterBlobFile = func() { time.Sleep(d) }
	}
	if err := run(context.Background(), strings.Split(args, "\x1f"), os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kasuhara:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// killMidway runs kasuhara args as a child process and SIGKILLs it once it
// has printed a progress line (verb n/total) with n at least after; it
// returns n.
func killMidway(t *testing.T, c *cli, verb string, after int, args ...string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKasuhara$")
	cmd.Env = append(os.Environ(), "KASUHARA_HELPER_ARGS="+strings.Join(args, "\x1f"), "KASUHARA_HELPER_PAUSE=100ms")
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^` + verb + ` (\d+)/(\d+)$`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		if n >= total {
			break
		}
		if n >= after {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			werr := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed: %v", werr)
			}
			return n
		}
	}
	cmd.Wait()
	t.Fatalf("kasuhara %v finished before it could be killed:\n%s", args, stderr.String())
	return 0
}

// seedEvidence files n reports with a file each through a running server.
func seedEvidence(t *testing.T, c *cli, n int) {
	t.Helper()
	c.seedAcme()
	c.ok("employee-password-1\n", "user", "create", "--email", "e@acme.example", "--name", "E", "--role", "employee", "--org", "acme")
	tok := strings.TrimSpace(c.ok("", "token", "create", "--email", "e@acme.example"))
	addr, stop, _ := serveInBackground(t, c)
	emp := apiClient{t, addr, tok}
	for i := range n {
		if _, _, err := emp.fileWithEvidence(i); err != nil {
			t.Fatal(err)
		}
	}
	stop()
}

// checkFiles decrypts every evidence file the database refers to and
// compares it with the SHA-256 recorded.
func checkFiles(t *testing.T, c *cli) int {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, c.env["KASUHARA_DATABASE"], c.env["KASUHARA_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, err := store.New(db).StoredFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blobs := blobsOf(t, c)
	for _, f := range files {
		if err := blobs.Verify(f.BlobID, f.SHA256); err != nil {
			t.Errorf("file %s: %v", f.BlobID, err)
		}
	}
	return len(files)
}

func cfgOf(t *testing.T, c *cli) *config.Config {
	t.Helper()
	cfg, _, err := parse(env{getenv: func(k string) string { return c.env[k] }, stderr: os.Stderr}, "test", config.Storage, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestKeyRotationKilledAndResumed: kasuhara key rotate, SIGKILLed in the
// middle, leaves every file readable (with the old key kept) and a status
// that says so; run again, it continues where it stopped, re-encrypts the
// rest, destroys the old key, and every file still matches its hash; all
// of it audited. On local disk and in a bucket.
func TestKeyRotationKilledAndResumed(t *testing.T) {
	for _, s3 := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "s3"}[s3], func(t *testing.T) {
			c := newCLI(t, sqldb.SQLite)
			// No server runs: the last pass need not wait for uploads
			// begun before the new key (TestKeyRotationSettles does).
			c.env["KASUHARA_KEY_ROTATE_SETTLE"] = "0s"
			if s3 {
				for _, kv := range testdb.NewS3Bucket(t).Env("evidence") {
					k, v, _ := strings.Cut(kv, "=")
					c.env[k] = v
				}
			}
			const n = 12
			seedEvidence(t, c, n)
			keys := filepath.Join(c.env["KASUHARA_DATA"], "keys")
			oldKey, _ := os.ReadFile(filepath.Join(keys, "evidence.age-key"))

			done := killMidway(t, c, "re-encrypted", 3, "key", "rotate")
			if _, err := os.Stat(filepath.Join(keys, "evidence.old.age-key")); err != nil {
				t.Fatalf("the old key is gone after a kill in the middle: %v", err)
			}
			if got := checkFiles(t, c); got != n {
				t.Fatalf("%d files, want %d", got, n)
			}
			status := c.ok("", "key", "status")
			if !regexp.MustCompile(`not finished: \d+ of 12 files`).MatchString(status) {
				t.Errorf("key status after the kill: %s", status)
			}

			out := c.ok("", "key", "rotate")
			m := regexp.MustCompile(`Continuing the key rotation: (\d+) of 12`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("the second run did not continue the first:\n%s", out)
			}
			if before, _ := strconv.Atoi(m[1]); before < done {
				t.Errorf("the second run found %d files done, the first printed %d", before, done)
			}
			if _, err := os.Stat(filepath.Join(keys, "evidence.old.age-key")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the old key is kept after the rotation finished: %v", err)
			}
			newKey, _ := os.ReadFile(filepath.Join(keys, "evidence.age-key"))
			if bytes.Equal(newKey, oldKey) {
				t.Fatal("the key did not change")
			}
			checkFiles(t, c)
			// No file is left on the old key: with only the old key, none opens.
			if err := os.WriteFile(filepath.Join(keys, "evidence.age-key"), oldKey, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			old, err := openBlobs(ctx, cfgOf(t, c))
			if err != nil {
				t.Fatal(err)
			}
			readable := 0
			old.List(ctx, func(id string) error {
				if r, err := old.Open(id); err == nil {
					readable++
					r.Close()
				}
				return nil
			})
			old.Close()
			if readable > 0 {
				t.Errorf("%d files still open with the old key", readable)
			}
			os.WriteFile(filepath.Join(keys, "evidence.age-key"), newKey, 0o600)

			if out := c.ok("", "key", "status"); !strings.Contains(out, "last rotated") {
				t.Errorf("key status after the rotation: %s", out)
			}
			audit := c.ok("", "audit", "verify")
			if !strings.Contains(audit, "intact") {
				t.Errorf("audit verify: %s", audit)
			}
			db, err := sqldb.Open(ctx, c.env["KASUHARA_DATABASE"], c.env["KASUHARA_DATA"])
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			actions := testdb.Strings(t, db, "SELECT action FROM audit_entries WHERE object_type = 'blob_job' ORDER BY seq")
			if strings.Join(actions, " ") != "key.rotate key.rotate.resume key.rotate.finish" {
				t.Errorf("audited %v", actions)
			}
		})
	}
}

// TestBlobMigrateInterruptedAndResumed: kasuhara blob migrate to a bucket,
// killed with SIGKILL in the middle and then stopped by a cancelled context,
// continues on each next run, verifies every file, and the bucket then holds
// every file decrypting to its recorded hash.
func TestBlobMigrateInterruptedAndResumed(t *testing.T) {
	for _, eng := range testdb.Engines {
		t.Run(string(eng), func(t *testing.T) {
			c := newCLI(t, eng)
			bucket := testdb.NewS3Bucket(t)
			for _, kv := range bucket.Env("") {
				k, v, _ := strings.Cut(kv, "=")
				if k != "KASUHARA_BLOB" {
					c.env[k] = v
				}
			}
			const n = 8
			seedEvidence(t, c, n)
			to := bucket.Location("moved")

			// Killed with SIGKILL after two files or more …
			killed := killMidway(t, c, "moved", 2, "blob", "migrate", "--to", to)
			// … then stopped (Ctrl-C) after two more …
			ctx, cancel := context.WithCancel(context.Background())
			moved := 0
			afterBlobFile = func() {
				if moved++; moved == 2 {
					cancel()
				}
			}
			defer func() { afterBlobFile = nil }()
			var out, errb bytes.Buffer
			err := run(ctx, []string{"blob", "migrate", "--to", to}, func(k string) string { return c.env[k] }, strings.NewReader(""), &out, &errb)
			if err == nil || !strings.Contains(err.Error(), "run it again to continue") {
				t.Fatalf("interrupted migrate: %v\n%s", err, out.String())
			}
			m := regexp.MustCompile(`Continuing the move to \S+: (\d+) of 8 files were done before`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("the second run did not continue the first:\n%s", out.String())
			}
			first, _ := strconv.Atoi(m[1])
			if first < killed {
				t.Errorf("the second run found %d files done, the killed one printed %d", first, killed)
			}
			afterBlobFile = nil
			// … and the third run finishes.
			out2 := c.ok("", "blob", "migrate", "--to", to)
			want := fmt.Sprintf("%d of 8 files were done before", first+2)
			if !strings.Contains(out2, want) || !strings.Contains(out2, fmt.Sprintf("Moved and verified 8 evidence files (%d copied now", 8-first-2)) {
				t.Fatalf("resumed migrate, want %q:\n%s", want, out2)
			}
			// The source is kept; the bucket has every file.
			if got := checkFiles(t, c); got != n {
				t.Fatalf("%d files on disk, want %d", got, n)
			}
			c.env["KASUHARA_BLOB"] = to
			if got := checkFiles(t, c); got != n {
				t.Fatalf("%d files in the bucket, want %d", got, n)
			}
			// Back to the disk: the copies there verify and are kept.
			if out := c.ok("", "blob", "migrate", "--to", "local"); !strings.Contains(out, "(0 copied now") {
				t.Errorf("migrate back: %s", out)
			}
			if _, _, err := c.run("", "blob", "migrate", "--to", to); exitCode(err) != 2 || !strings.Contains(err.Error(), "already in") {
				t.Errorf("migrate to where the files are: %v", err)
			}
			if _, _, err := c.run("", "blob", "migrate", "--to", "relative/dir"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--to") {
				t.Errorf("migrate to a relative directory: %v", err)
			}
		})
	}
}

// TestKeyRotationSettles: the last pass of a rotation waits until uploads
// begun before the new key can have ended (KASUHARA_KEY_ROTATE_SETTLE, 6
// minutes by default), so that a file encrypted to the old key and
// recorded after the files were listed is not lost with the old key; a
// rotation resumed after the wait has passed does not wait again; a bad
// setting is refused before anything changes.
func TestKeyRotationSettles(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	seedEvidence(t, c, 2)
	c.env["KASUHARA_KEY_ROTATE_SETTLE"] = "soon"
	if _, _, err := c.run("", "key", "rotate"); err == nil || !strings.Contains(err.Error(), "KASUHARA_KEY_ROTATE_SETTLE") {
		t.Fatalf("a bad settle time: %v", err)
	}
	keys := filepath.Join(c.env["KASUHARA_DATA"], "keys")
	c.env["KASUHARA_KEY_ROTATE_SETTLE"] = "1s"
	out := c.ok("", "key", "rotate")
	if !strings.Contains(out, "Waiting") || !strings.Contains(out, "destroyed the old one") {
		t.Fatalf("the rotation did not wait for uploads begun before the new key:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(keys, "evidence.old.age-key")); !os.IsNotExist(err) {
		t.Fatalf("the old key is still there: %v", err)
	}
	if got := checkFiles(t, c); got != 2 {
		t.Fatalf("%d files, want 2", got)
	}
}

// seedIntakeAndCall stores two files that are not case evidence yet: the
// attachment of a mail waiting in the intake queue and the recording of a
// call not yet filed. It returns their blob ids with their SHA-256.
func seedIntakeAndCall(t *testing.T, c *cli) map[string]string {
	t.Helper()
	ctx := context.Background()
	st := c.store()
	blobs := blobsOf(t, c)
	put := func(text string) kasuhara.Evidence {
		t.Helper()
		b, err := blobs.Put(ctx, strings.NewReader(strings.Repeat(text, 50)), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return kasuhara.Evidence{BlobID: b.ID, Filename: "f.txt", MediaType: b.MediaType, Size: b.Size, SHA256: b.SHA256}
	}
	orgs, err := st.Orgs(ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("orgs: %v %v", orgs, err)
	}
	org := orgs[0].ID
	att := put("メールの添付: お客様の書いた文面。\n")
	if _, err := st.ReceiveMail(ctx, kasuhara.SystemActor, org, kasuhara.InboundMail{FromAddress: "customer@else.example", Subject: "苦情", Body: "返金しろ",
		Attachments: []kasuhara.IntakeAttachment{{BlobID: att.BlobID, Filename: att.Filename, MediaType: att.MediaType, Size: att.Size, SHA256: att.SHA256}}}); err != nil {
		t.Fatal(err)
	}
	rec := put("通話の録音の代わりの文字。\n")
	if _, _, err := st.CallEnded(ctx, kasuhara.SystemActor, org, kasuhara.CallEvent{Source: kasuhara.CallSourceSIP, CallID: "pbx-1",
		AgentEmail: "b@acme.example", DurationSeconds: 90, Recording: &rec}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{att.BlobID: att.SHA256, rec.BlobID: rec.SHA256}
}

// verifyFilesIn decrypts each of files in c's evidence store (with c's key)
// and compares it with its SHA-256.
func verifyFilesIn(t *testing.T, c *cli, what string, files map[string]string) {
	t.Helper()
	blobs := blobsOf(t, c)
	for id, sum := range files {
		if err := blobs.Verify(id, sum); err != nil {
			t.Errorf("%s: the file of a waiting mail or call %s: %v", what, id, err)
		}
	}
}

// TestIntakeAndCallFilesKept: the attachment of a mail waiting in the
// intake queue and the recording of a call not yet filed are in a backup
// and back after a restore, copied by blob migrate, and re-encrypted by a
// key rotation, so that they still open once the old key is destroyed.
func TestIntakeAndCallFilesKept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.env["KASUHARA_KEY_ROTATE_SETTLE"] = "0s"
		c.seedAcme()
		files := seedIntakeAndCall(t, c)

		dir := t.TempDir()
		archive, keyFile := filepath.Join(dir, "k.backup"), filepath.Join(dir, "k.keys")
		c.ok("", "backup", "--passphrase", testPassphrase, archive)
		c.ok("", "backup", "key", "--passphrase", testPassphrase, keyFile)
		dst := newCLI(t, eng)
		dst.ok("", "restore", "key", "--passphrase", testPassphrase, keyFile)
		dst.ok("", "restore", "--passphrase", testPassphrase, archive)
		verifyFilesIn(t, dst, "restored", files)

		to := t.TempDir()
		c.ok("", "blob", "migrate", "--to", to)
		moved := &cli{t: t, env: maps.Clone(c.env)}
		moved.env["KASUHARA_BLOB"] = to
		verifyFilesIn(t, moved, "moved", files)

		c.ok("", "key", "rotate")
		if _, err := os.Stat(filepath.Join(c.env["KASUHARA_DATA"], "keys", "evidence.old.age-key")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the old key is kept after the rotation: %v", err)
		}
		verifyFilesIn(t, c, "after the key rotation", files)
	})
}

// TestBlobMigrateBackToDiskAndBadHash: blob migrate from a bucket to an
// empty directory copies every file there (each decrypting to its recorded
// SHA-256); a file that does not match the SHA-256 the database recorded
// is named on stderr, not left in the destination, and the command fails
// without declaring the move done.
func TestBlobMigrateBackToDiskAndBadHash(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	for _, kv := range testdb.NewS3Bucket(t).Env("evidence") {
		k, v, _ := strings.Cut(kv, "=")
		c.env[k] = v
	}
	const n = 3
	seedEvidence(t, c, n)
	disk := t.TempDir()
	out := c.ok("", "blob", "migrate", "--to", disk)
	if !strings.Contains(out, fmt.Sprintf("Moved and verified %d evidence files (%d copied now", n, n)) {
		t.Errorf("migrate to disk: %s", out)
	}
	onDisk := &cli{t: t, env: maps.Clone(c.env)}
	onDisk.env["KASUHARA_BLOB"] = disk
	if got := checkFiles(t, onDisk); got != n {
		t.Fatalf("%d files on disk, want %d", got, n)
	}
	ents, _ := filepath.Glob(filepath.Join(disk, "??", "*"))
	if len(ents) != n {
		t.Errorf("the directory holds %d files, want %d", len(ents), n)
	}

	// One file no longer matches its recorded hash.
	st := c.store()
	bad := testdb.Strings(t, st.DB(), "SELECT blob_id FROM evidence ORDER BY blob_id")[1]
	testdb.Exec(t, st.DB(), "UPDATE evidence SET sha256 = $1 WHERE blob_id = $2", strings.Repeat("0", 64), bad)
	again := t.TempDir()
	stdout, stderr, err := c.run("", "blob", "migrate", "--to", again)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 files could not be moved") {
		t.Fatalf("migrate with a bad file: %v\n%s", err, stdout)
	}
	if !strings.Contains(stderr, bad) || !strings.Contains(stderr, "does not match the SHA-256 recorded") {
		t.Errorf("stderr does not name the bad file %s: %s", bad, stderr)
	}
	if strings.Contains(stdout, "Moved and verified") {
		t.Errorf("the move is declared done: %s", stdout)
	}
	if _, err := os.Stat(filepath.Join(again, bad[:2], bad)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the bad file was left in the destination: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(again, "??", "*")); len(ents) != n-1 {
		t.Errorf("the destination holds %d files, want the %d good ones", len(ents), n-1)
	}
}

// blobsOf opens the evidence store of c's installation, with c's key,
// closed when the test ends.
func blobsOf(t *testing.T, c *cli) *blob.Store {
	t.Helper()
	b, err := openBlobs(context.Background(), cfgOf(t, c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
