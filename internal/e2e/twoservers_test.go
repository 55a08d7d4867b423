package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/minio/minio-go/v7"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// evidencePlace is where the two servers keep evidence, as
// docs/operations.md tells operators to set them up: one bucket on the
// S3-compatible test server (KASUHARA_TEST_S3; the test fails without it
// when KASUHARA_REQUIRE_S3=1, as in CI, and is skipped otherwise), and a
// data directory of its own for each server. shareKeys copies the first
// server's keys/ (the evidence key, the throttle key) into the second's
// data directory: call it once the first has started and made them.
func evidencePlace(t *testing.T) (dataA, dataB string, env []string, bucket testdb.S3Bucket, shareKeys func()) {
	t.Helper()
	bucket = testdb.NewS3Bucket(t)
	dataA, dataB = t.TempDir(), t.TempDir()
	shareKeys = func() {
		t.Helper()
		from, to := filepath.Join(dataA, "keys"), filepath.Join(dataB, "keys")
		entries, err := os.ReadDir(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(to, 0o700); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(from, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
				t.Fatal(err)
			}
			names = append(names, e.Name())
		}
		for _, want := range []string{"evidence.age-key", "throttle.key"} {
			if !slices.Contains(names, want) {
				t.Fatalf("the first server made no keys/%s (it made %v)", want, names)
			}
		}
	}
	return dataA, dataB, bucket.Env("evidence/"), bucket, shareKeys
}

// TestTwoServersOnOnePostgres (issue 24) runs two `kasuhara serve`
// processes on one PostgreSQL database and one bucket, each with a data
// directory of its own (holding a copy of the same keys/), as behind a load
// balancer without sticky sessions:
//   - a report with its evidence filed on the first is downloaded, byte
//     for byte, from the second;
//   - wrong receipts spread over both are slowed down as on one server;
//   - 16 clients file reports with evidence, alternating between the two,
//     while the first is killed with SIGKILL (the clients then go on with
//     the second, as a load balancer would send them): every report
//     answered 201 is in the database, every file answered 201 downloads
//     from the second with its SHA-256, and the audit chain verifies;
//   - the first reminder of eight cases' clocks, made due while both
//     servers run, fires once each and arms the next reminder once;
//   - the first dies holding two mail jobs (the SMTP sink holds every
//     message until the two mail workers of both servers wait on it) as
//     the first reminder of 16 more cases' clocks falls due. With a job
//     lease of 10 s + 2 s (KASUHARA_JOB_TIMEOUT, KASUHARA_JOB_LEASE_GRACE)
//     the test waits until no job is running and none is due, then
//     requires every message at the sink once, every case's mail exactly
//     once (twice for the 24 whose clock fired: the new case and its
//     clock), the dead server's mail jobs taken over, no job failed, and
//     each clock due at the kill fired once and armed its next reminder
//     once. Each daily job's start run ran once though both servers
//     scheduled it, and each case has one clock chain.
func TestTwoServersOnOnePostgres(t *testing.T) {
	dbURL := testdb.NewPostgresDatabase(t)
	dataA, dataB, env, bucket, shareKeys := evidencePlace(t)
	sink := startMailSink(t)
	// A short job lease, so that the second server takes over the first's
	// jobs within seconds of its death rather than two minutes.
	env = append(env, "KASUHARA_SMTP=smtp://"+sink.addr, "KASUHARA_MAIL_FROM=kasuhara@example.jp",
		"KASUHARA_JOB_TIMEOUT=10s", "KASUHARA_JOB_LEASE_GRACE=2s")
	a := startServerWith(t, dataA, dbURL, true, env)
	addUser(t, a, "clerk@example.jp", "店員 花子", "employee", "")
	addUser(t, a, "desk@example.jp", "窓口 太郎", "desk", "")
	shareKeys()
	b := startServerWith(t, dataB, dbURL, false, env)
	token := apiToken(t, a, "clerk@example.jp")
	b.secret("the API token", token)
	client := &http.Client{Timeout: 10 * time.Second}

	// A report and its file on the first, the file from the second.
	caseID, status := fileReport(client, a.URL, token, "最初のサーバーで受け付けた報告")
	if status != http.StatusCreated {
		t.Fatalf("report on the first server: %d", status)
	}
	content := []byte("通話メモ: 最初のサーバーで添付した証拠\n")
	evID, status := attach(client, a.URL, token, caseID, content)
	if status != http.StatusCreated {
		t.Fatalf("evidence on the first server: %d", status)
	}
	if got, status := download(client, b.URL, token, caseID, evID); status != http.StatusOK || !bytes.Equal(got, content) {
		t.Fatalf("the file from the second server: %d %q, want the bytes filed on the first", status, got)
	}

	db, err := sqldb.Open(context.Background(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Clocks: the first reminder of eight cases falls due now, while both
	// servers run their queues; each fires once (one mail), and arms the
	// next reminder once.
	var clocked []string
	for i := range 8 {
		id, status := fileReport(client, []string{a.URL, b.URL}[i%2], token, fmt.Sprintf("期限の確認 %d: 大声で威圧された", i))
		if status != http.StatusCreated {
			t.Fatalf("report for the clocks: %d", status)
		}
		clocked = append(clocked, id)
	}
	// makeDue makes the next reminder of the cases' clocks due now.
	makeDue := func(ids []string) {
		t.Helper()
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			for _, id := range ids {
				if _, err := tx.ExecContext(context.Background(), "UPDATE jobs SET run_at = $1 WHERE kind = 'clock' AND state = 'pending' AND payload LIKE $2",
					time.Now().UTC().Add(-time.Second), "%"+id+"%"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	makeDue(clocked)
	clockState := func(id string) (done, pending int) {
		t.Helper()
		if err := db.Read.QueryRow(`SELECT COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0)
			FROM jobs WHERE kind = 'clock' AND payload LIKE $1`, "%"+id+"%").Scan(&done, &pending); err != nil {
			t.Fatal(err)
		}
		return done, pending
	}
	for _, id := range clocked {
		done, pending := 0, 0
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if done, pending = clockState(id); done >= 1 {
				break
			}
		}
		if done != 1 || pending != 1 {
			t.Fatalf("a clock's first reminder on two servers: %d done, %d next ones waiting; want 1 and 1", done, pending)
		}
	}

	// Wrong receipts over both servers: 10 are free in all, not per server.
	var receipts []int
	for i := range 12 {
		base := []string{a.URL, b.URL}[i%2]
		resp, err := client.Post(base+"/api/v1/anonymous-reports/status", "application/json", strings.NewReader(`{"receipt":"AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		receipts = append(receipts, resp.StatusCode)
	}
	if got, want := fmt.Sprint(receipts), "[404 404 404 404 404 404 404 404 404 404 429 429]"; got != want {
		t.Fatalf("wrong receipts over two servers answered %s, want %s", got, want)
	}

	// 16 clients alternating between the servers; the first is killed.
	type filed struct{ caseID, evID, sum string }
	var mu sync.Mutex
	var reports []string
	var files []filed
	var refused []string
	const killAfter = 80
	enough := make(chan struct{})
	killed := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				base := []string{a.URL, b.URL}[(i+n)%2]
				select {
				case <-killed:
					base = b.URL // the load balancer sends everyone to the second
				default:
				}
				id, status := fileReport(client, base, token, fmt.Sprintf("クライアント%dの%d件目: 長時間怒鳴られた", i, n))
				if status == 0 {
					continue // the first server died under this request
				}
				if status != http.StatusCreated {
					mu.Lock()
					refused = append(refused, fmt.Sprintf("report: %d", status))
					mu.Unlock()
					continue
				}
				mu.Lock()
				reports = append(reports, id)
				if len(reports) == killAfter {
					close(enough)
				}
				mu.Unlock()
				body := []byte(fmt.Sprintf("クライアント%dの%d件目の録音メモ %d\n", i, n, time.Now().UnixNano()))
				ev, status := attach(client, base, token, id, body)
				if status == 0 {
					continue
				}
				sum := sha256.Sum256(body)
				mu.Lock()
				if status == http.StatusCreated {
					files = append(files, filed{id, ev, hex.EncodeToString(sum[:])})
				} else {
					refused = append(refused, fmt.Sprintf("evidence: %d", status))
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
	}
	// The first reminder of 16 cases filed under load falls due now, as
	// the first server dies: either server's queue may be running one.
	mu.Lock()
	dueAtKill := slices.Clone(reports[:min(16, len(reports))])
	mu.Unlock()
	makeDue(dueAtKill)
	// The sink holds every message before it is sent, until the two mail
	// workers of each server wait there: the first then dies holding two
	// mail jobs, claimed and unsent, whose leases the second must take
	// over; and none it sent and had no time to record (which the second
	// would send again: delivery is at least once).
	sink.hold()
	for deadline := time.Now().Add(15 * time.Second); sink.held() < 4; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			sink.release()
			t.Fatalf("%d mail workers of the two servers' 4 wait at the held sink after 15 s", sink.held())
		}
	}
	a.kill(t)
	close(killed)
	sink.release()
	mu.Lock()
	atKill := len(reports)
	mu.Unlock()
	// The second goes on alone for a while.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		n := len(reports)
		mu.Unlock()
		if n >= atKill+40 {
			break
		}
	}
	cancel()
	wg.Wait()
	t.Logf("%d reports answered 201 (%d before SIGKILL), %d files", len(reports), atKill, len(files))
	if atKill < 30 || len(reports) < atKill+20 {
		t.Fatalf("too few reports (%d before the kill, %d in all): the test proves little", atKill, len(reports))
	}
	if len(refused) > 0 {
		t.Errorf("refused under load: %v", refused)
	}

	missing := 0
	for _, id := range reports {
		var one int
		if err := db.Read.QueryRow("SELECT 1 FROM cases WHERE id = $1", id).Scan(&one); err != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d reports answered 201 are not in the database", missing, len(reports))
	}
	for _, f := range files {
		got, status := download(client, b.URL, token, f.caseID, f.evID)
		sum := sha256.Sum256(got)
		if status != http.StatusOK || hex.EncodeToString(sum[:]) != f.sum {
			t.Fatalf("a file answered 201 downloads from the second server as %d with another SHA-256", status)
		}
	}
	// The files are in the bucket, none on either server's disk.
	objects := 0
	for o := range bucket.Client.ListObjects(context.Background(), bucket.Bucket, minio.ListObjectsOptions{Prefix: "evidence/", Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		objects++
	}
	if objects < len(files)+1 {
		t.Fatalf("the bucket holds %d evidence objects, want at least the %d files answered 201", objects, len(files)+1)
	}
	for _, data := range []string{dataA, dataB} {
		filepath.WalkDir(filepath.Join(data, "evidence"), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				t.Errorf("an evidence file on a server's disk, though evidence is in the bucket: %s", path)
			}
			return nil
		})
	}
	verify := exec.Command(binary, "audit", "verify", "--data", dataB)
	verify.Env = b.env(t.TempDir())
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("audit verify after SIGKILL: %v\n%s", err, out)
	}

	// The second server takes over the jobs the first held once their
	// leases run out (KASUHARA_JOB_TIMEOUT + KASUHARA_JOB_LEASE_GRACE: 12 s
	// here, 2 minutes by default): wait until no job runs and none is due.
	busy := -1
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := db.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE state = 'running' OR (state = 'pending' AND run_at <= $1)",
			time.Now().UTC()).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d jobs still running or due 60 s after the kill: the dead server's leases were not taken over", busy)
			break
		}
	}

	// Mail: every message once, and every case's exactly as often as it
	// should be: once for the new case (those the first server committed
	// but could not answer too), twice for the 24 whose clock's first
	// reminder fired (8 while both ran, 16 at the kill).
	want := map[string]int{}
	rows, err := db.Read.Query("SELECT id FROM cases")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want[id] = 1
	}
	rows.Close()
	for _, id := range append(slices.Clone(clocked), dueAtKill...) {
		want[id]++
	}
	counts, caseOf := sink.byMessageID()
	perCase := map[string]int{}
	for id, n := range counts {
		if n != 1 {
			t.Errorf("message %s reached the sink %d times, want once", id, n)
		}
		perCase[caseOf[id]] += n
	}
	var wrong []string
	for id, w := range want {
		if perCase[id] != w {
			wrong = append(wrong, fmt.Sprintf("%s: %d, want %d", id, perCase[id], w))
		}
	}
	for id, n := range perCase {
		if _, ok := want[id]; !ok {
			wrong = append(wrong, fmt.Sprintf("%d messages for %q, which is no case", n, id))
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		t.Errorf("%d of %d cases were not mailed exactly as often as they should be: %s", len(wrong), len(want), strings.Join(wrong[:min(10, len(wrong))], "; "))
	}
	// Each clock due at the kill fired once and armed its next reminder
	// once.
	for _, id := range dueAtKill {
		if done, pending := clockState(id); done != 1 || pending != 1 {
			t.Errorf("a clock due at the kill: %d first reminders done, %d next ones waiting; want 1 and 1", done, pending)
		}
	}
	// The two mail jobs the first held ran again on the second; no job
	// failed, nor waits for a retry, nor did the second log a failure (so
	// a second attempt is a job taken over).
	var takenOver, failed, retrying int
	if err := db.Read.QueryRow(`SELECT COALESCE(SUM(CASE WHEN kind = 'mail' AND state = 'done' AND attempts > 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0) FROM jobs`).Scan(&takenOver, &failed, &retrying); err != nil {
		t.Fatal(err)
	}
	if takenOver < 2 || failed > 0 || retrying > 0 || strings.Contains(b.stderr.String(), "jobs: job failed") {
		t.Errorf("mail jobs taken over from the dead server: %d, want at least its 2; failed jobs: %d, retrying: %d, want none", takenOver, failed, retrying)
	}
	t.Logf("%d messages for %d cases; %d mail jobs taken over from the dead server", len(counts), len(want), takenOver)

	// The daily jobs' start runs: scheduled by both servers, run once.
	rows, err = db.Read.Query(`SELECT kind, COUNT(*), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) FROM jobs
		WHERE dedupe_key LIKE '%-start' GROUP BY kind ORDER BY kind`)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for rows.Next() {
		var kind string
		var n, done int
		if err := rows.Scan(&kind, &n, &done); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, kind)
		if n != 1 || done != 1 {
			t.Errorf("the start run of %s: %d jobs, %d done; want one, done", kind, n, done)
		}
	}
	rows.Close()
	if len(kinds) < 4 {
		t.Errorf("start runs of %v only", kinds)
	}
	// One clock chain per case (the eight whose first reminder ran have
	// two jobs: that one, done, and the next).
	var clocks, caseCount int
	if err := db.Read.QueryRow("SELECT COUNT(*) FROM jobs WHERE kind = 'clock' AND state <> 'done'").Scan(&clocks); err != nil {
		t.Fatal(err)
	}
	if err := db.Read.QueryRow("SELECT COUNT(*) FROM cases").Scan(&caseCount); err != nil {
		t.Fatal(err)
	}
	if clocks != caseCount {
		t.Errorf("%d clock jobs for %d cases, want one chain each", clocks, caseCount)
	}
}

// fileReport files a report through the API; status is 0 when the server
// did not answer.
func fileReport(c *http.Client, base, token, conduct string) (string, int) {
	body, _ := json.Marshal(map[string]any{"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "channel": "phone",
		"subtypes": []string{"insult", "long_contact"}, "conduct": conduct})
	req, _ := http.NewRequest("POST", base+"/api/v1/reports", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var got struct {
		ID string `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	return got.ID, resp.StatusCode
}

// attach uploads one text file as evidence of a case.
func attach(c *http.Client, base, token, caseID string, content []byte) (string, int) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("files", "memo.txt")
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/cases/"+caseID+"/evidence", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var got struct {
		Evidence []struct {
			ID string `json:"id"`
		} `json:"evidence"`
	}
	json.NewDecoder(resp.Body).Decode(&got)
	if len(got.Evidence) != 1 {
		return "", resp.StatusCode
	}
	return got.Evidence[0].ID, resp.StatusCode
}

// download reads one evidence file through the API.
func download(c *http.Client, base, token, caseID, evID string) ([]byte, int) {
	req, _ := http.NewRequest("GET", base+"/api/v1/cases/"+caseID+"/evidence/"+evID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.StatusCode
}

// TestKeyRotationOnTwoServers (issue 24): two servers on one PostgreSQL
// and one bucket share one keys/ directory (as on a shared volume; here the
// second's data directory links to the first's). `kasuhara key rotate`
// runs while both serve: neither is restarted, yet afterwards the second
// downloads every file, those filed before and during the rotation, and a
// file it stores after the rotation is encrypted to the new key (it opens
// with the new key alone, not with the old one).
func TestKeyRotationOnTwoServers(t *testing.T) {
	dbURL := testdb.NewPostgresDatabase(t)
	bucket := testdb.NewS3Bucket(t)
	env := bucket.Env("evidence/")
	dataA, dataB := t.TempDir(), t.TempDir()
	a := startServerWith(t, dataA, dbURL, true, env)
	if err := os.Symlink(filepath.Join(dataA, "keys"), filepath.Join(dataB, "keys")); err != nil {
		t.Fatal(err)
	}
	b := startServerWith(t, dataB, dbURL, false, env)
	addUser(t, a, "clerk@example.jp", "店員 花子", "employee", "")
	token := apiToken(t, a, "clerk@example.jp")
	b.secret("the API token", token)
	client := &http.Client{Timeout: 10 * time.Second}
	keyFile := filepath.Join(dataA, "keys", "evidence.age-key")
	oldKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	type filed struct{ caseID, evID, sum string }
	var files []filed
	file := func(base, what string) filed {
		t.Helper()
		id, status := fileReport(client, base, token, what+": 大声で威圧された")
		if status != http.StatusCreated {
			t.Fatalf("report %s: %d", what, status)
		}
		body := []byte(what + "の録音メモ\n")
		ev, status := attach(client, base, token, id, body)
		if status != http.StatusCreated {
			t.Fatalf("evidence %s: %d", what, status)
		}
		sum := sha256.Sum256(body)
		f := filed{id, ev, hex.EncodeToString(sum[:])}
		files = append(files, f)
		return f
	}
	for i := range 6 {
		file([]string{a.URL, b.URL}[i%2], fmt.Sprintf("回転前%d", i))
	}

	// The rotation runs while both servers serve and the second files.
	rotate := exec.Command(binary, "key", "rotate", "--data", dataA)
	// The last pass waits this long after the new key for uploads begun
	// before it (6 minutes in production: the servers' read timeout; an
	// upload here takes milliseconds).
	rotate.Env = append(append(a.env(t.TempDir()), env...), "KASUHARA_KEY_ROTATE_SETTLE=2s")
	var out bytes.Buffer
	rotate.Stdout, rotate.Stderr = &out, &out
	if err := rotate.Start(); err != nil {
		t.Fatal(err)
	}
	rotated := make(chan error, 1)
	go func() { rotated <- rotate.Wait() }()
	for i := 0; ; i++ {
		select {
		case err = <-rotated:
		default:
			file(b.URL, fmt.Sprintf("回転中%d", i))
			continue
		}
		break
	}
	if err != nil {
		t.Fatalf("key rotate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "destroyed the old one") {
		t.Fatalf("key rotate did not finish:\n%s", out.String())
	}
	newKey, err := os.ReadFile(keyFile)
	if err != nil || bytes.Equal(newKey, oldKey) {
		t.Fatalf("the key did not change (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dataA, "keys", "evidence.old.age-key")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the old key is still there: %v", err)
	}

	after := file(b.URL, "回転後")
	for _, f := range files {
		for _, srv := range []*server{b, a} {
			got, status := download(client, srv.URL, token, f.caseID, f.evID)
			sum := sha256.Sum256(got)
			if status != http.StatusOK || hex.EncodeToString(sum[:]) != f.sum {
				t.Fatalf("a file after the rotation downloads from %s as %d with another SHA-256", srv.URL, status)
			}
		}
	}

	// The second server's file after the rotation is on the new key.
	db, err := sqldb.Open(context.Background(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blobID string
	if err := db.Read.QueryRow("SELECT blob_id FROM evidence WHERE id = $1", after.evID).Scan(&blobID); err != nil {
		t.Fatal(err)
	}
	opensWith := func(key []byte) bool {
		t.Helper()
		ids, err := age.ParseIdentities(bytes.NewReader(key))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := bucket.Client.GetObject(context.Background(), bucket.Bucket, "evidence/"+blobID[:2]+"/"+blobID, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		r, err := age.Decrypt(obj, ids...)
		if err != nil {
			return false
		}
		_, err = io.Copy(io.Discard, r)
		return err == nil
	}
	if !opensWith(newKey) || opensWith(oldKey) {
		t.Fatalf("the second server's file after the rotation does not open with the new key alone (new: %v, old: %v)", opensWith(newKey), opensWith(oldKey))
	}
	t.Logf("%d files, %d filed during the rotation", len(files), len(files)-7)
}
