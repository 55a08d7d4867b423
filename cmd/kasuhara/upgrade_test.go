package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/starter"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// updateDigest names the release whose content digests TestUpgrade records
// instead of comparing (scripts/make-fixture explains when).
var updateDigest = flag.String("update-upgrade-digest", "", "record the content digests of this release's upgrade fixture")

// TestUpgrade runs today's code on the data that every earlier release left
// behind (testdata/upgrade/VERSION, made by scripts/make-fixture with that
// release's binary), on both engines: the migrations apply, the audit chain
// verifies, every case (with its evidence records and timeline), customer
// (with its measures), policy and course reads with the content that
// release read, evidence files decrypt to their recorded hashes, and the
// server starts and is ready.
func TestUpgrade(t *testing.T) {
	versions, err := filepath.Glob("testdata/upgrade/v*")
	if err != nil || len(versions) == 0 {
		t.Fatalf("no upgrade fixtures: %v", err)
	}
	for _, tool := range []string{"tar", "xz", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the upgrade test needs %s: %v", tool, err)
		}
	}
	for _, dir := range versions {
		version := filepath.Base(dir)
		for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
			t.Run(version+"/"+string(e), func(t *testing.T) {
				c := restoreFixture(t, dir, e)
				c.ok("", "migrate")
				if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
					t.Fatalf("audit verify: %s", out)
				}
				got := contentDigest(t, c)
				digestFile := filepath.Join(dir, string(e)+".digest.json.xz")
				if *updateDigest == version {
					writeXZ(t, digestFile, got)
				} else {
					var want []digestRecord
					if err := json.Unmarshal(readXZ(t, digestFile), &want); err != nil {
						t.Fatalf("%s: %v", digestFile, err)
					}
					compareDigests(t, want, got)
				}
				verifyEvidence(t, c, got)
				// The reads above were audited; the chain still holds.
				if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
					t.Fatalf("audit verify after the reads: %s", out)
				}
				// Records written before records were hashed are named as not
				// yet audited, and those audited before columns were added as
				// audited by older columns, never as tampered; a baseline
				// records them.
				out := c.ok("", "audit", "verify", "--records")
				if !strings.Contains(out, "NOT YET AUDITED case ") || strings.Contains(out, "TAMPERED") {
					t.Fatalf("audit verify --records on the upgraded data: %s", out)
				}
				if out := c.ok("", "audit", "baseline"); !regexp.MustCompile(`state of [1-9]\d* groups`).MatchString(out) {
					t.Fatalf("audit baseline: %s", out)
				}
				if out := c.ok("", "audit", "verify", "--records"); !strings.Contains(out, ", 0 not yet audited, 0 audited by older columns") || strings.Contains(out, "TAMPERED") {
					t.Fatalf("audit verify --records after the baseline: %s", out)
				}
				c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
				serveBriefly(t, c)
				starterDraftsOffered(t, c)
			})
		}
	}
}

// openDB opens the CLI's database, as it is, with a store on it; the
// caller closes it.
func (c *cli) openDB(t *testing.T) (*sqldb.DB, *store.Store) {
	t.Helper()
	db, err := sqldb.Open(context.Background(), c.env["KASUHARA_DATABASE"], c.env["KASUHARA_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	return db, store.New(db)
}

// starterDraftsOffered checks that the server's start offered the current
// edition of the built-in texts as a draft of every published policy that
// the release left as an earlier edition, unchanged, and published none.
func starterDraftsOffered(t *testing.T, c *cli) {
	t.Helper()
	ctx := context.Background()
	db, st := c.openDB(t)
	defer db.Close()
	orgs, err := st.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	offered := 0
	for _, o := range orgs {
		docs, err := st.Policies(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.Current == nil {
				continue
			}
			if _, old := starter.Previous(d.Current.BodyJa, d.Current.BodyEn); !old {
				continue
			}
			if d.Draft == nil || !strings.Contains(d.Draft.BodyJa, "顧客等") || d.Draft.Number != d.Current.Number+1 {
				t.Errorf("%s: policy %s is an unchanged earlier edition and was not offered the new one: %+v", o.Slug, d.ID, d.Draft)
				continue
			}
			offered++
		}
	}
	t.Logf("%d drafts offered", offered)
}

// restoreFixture unpacks a release's fixture for engine e into a new data
// directory (and, for PostgreSQL, a new database restored with psql).
func restoreFixture(t *testing.T, dir string, e sqldb.Engine) *cli {
	t.Helper()
	data := t.TempDir()
	archive := "sqlite.tar.xz"
	if e == sqldb.Postgres {
		archive = "postgres-data.tar.xz"
	}
	if out, err := exec.Command("tar", "-C", data, "-xJf", filepath.Join(dir, archive)).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", archive, err, out)
	}
	c := &cli{t: t, env: map[string]string{"KASUHARA_DATA": data}}
	if e == sqldb.Postgres {
		url := testdb.NewPostgresDatabase(t)
		cmd := exec.Command("psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-o", os.DevNull, url)
		cmd.Stdin = bytes.NewReader(readXZ(t, filepath.Join(dir, "postgres.sql.xz")))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("restore postgres.sql.xz: %v\n%s", err, out)
		}
		c.env["KASUHARA_DATABASE"] = url
	}
	return c
}

// digestRecord is one record as the store reads it, as JSON.
type digestRecord struct {
	Kind  string          `json:"kind"`
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}

// contentDigest reads every case, customer, policy and course through the
// store. Each organisation gets a new legal member to read with (need-to-know
// lets desk and legal read every case of their organisation).
func contentDigest(t *testing.T, c *cli) []digestRecord {
	t.Helper()
	ctx := context.Background()
	db, st := c.openDB(t)
	defer db.Close()
	ids := func(query string) [][2]string {
		t.Helper()
		rows, err := db.Read.QueryContext(ctx, query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, [2]string{a, b})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	readers := map[string]kasuhara.Actor{}
	var out []digestRecord
	var mu sync.Mutex
	add := func(kind, id string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		out = append(out, digestRecord{kind, id, b})
		mu.Unlock()
	}
	for _, o := range ids("SELECT id, slug FROM orgs ORDER BY id") {
		u, err := st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "upgrade-reader@" + o[1] + ".example",
			Name: "upgrade reader", Password: "upgrade-reader-password", OrgID: o[0], Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatalf("reader of %s: %v", o[1], err)
		}
		readers[o[0]] = kasuhara.Actor{UserID: u.ID, OrgID: o[0], Role: kasuhara.RoleLegal}
		pols, err := st.Policies(ctx, o[0])
		if err != nil {
			t.Fatalf("policies of %s: %v", o[1], err)
		}
		add("policies", o[0], pols)
		courses, err := st.Courses(ctx, o[0])
		if err != nil {
			t.Fatalf("courses of %s: %v", o[1], err)
		}
		for _, cr := range courses {
			full, err := st.Course(ctx, o[0], cr.ID)
			if err != nil {
				t.Fatalf("course %s: %v", cr.ID, err)
			}
			add("course", cr.ID, full)
		}
	}
	// Every read of a case is an audited write: several at once share
	// commits.
	type job struct{ kind, id, org string }
	jobs := make(chan job)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				if err := readRecord(ctx, st, readers[j.org], j.kind, j.id, add); err != nil {
					select {
					case errs <- fmt.Errorf("%s %s: %w", j.kind, j.id, err):
					default:
					}
				}
			}
		})
	}
	for _, r := range ids("SELECT id, org_id FROM cases ORDER BY id") {
		jobs <- job{"case", r[0], r[1]}
	}
	for _, r := range ids("SELECT id, org_id FROM customers ORDER BY id") {
		jobs <- job{"customer", r[0], r[1]}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b digestRecord) int {
		return strings.Compare(a.Kind+"/"+a.ID, b.Kind+"/"+b.ID)
	})
	return out
}

func readRecord(ctx context.Context, st *store.Store, v kasuhara.Actor, kind, id string, add func(kind, id string, v any)) error {
	type read struct {
		kind string
		get  func() (any, error)
	}
	reads := map[string][]read{
		"case": {
			{"case", func() (any, error) { return st.CaseByID(ctx, v, id) }},
			{"evidence", func() (any, error) { return st.EvidenceList(ctx, v, id) }},
			{"timeline", func() (any, error) { return st.Timeline(ctx, v, id) }},
		},
		"customer": {
			{"customer", func() (any, error) { return st.CustomerByID(ctx, v, id) }},
			{"measures", func() (any, error) { return st.Measures(ctx, v, id) }},
		},
	}
	for _, r := range reads[kind] {
		got, err := r.get()
		if err != nil {
			return err
		}
		add(r.kind, id, got)
	}
	return nil
}

// compareDigests fails for every recorded record that is missing or whose
// recorded fields read differently today. Fields added since the fixture
// was made are not compared.
func compareDigests(t *testing.T, want, got []digestRecord) {
	t.Helper()
	byKey := map[string]json.RawMessage{}
	for _, r := range got {
		byKey[r.Kind+"/"+r.ID] = r.Value
	}
	counts := map[string]int{}
	failures := 0
	for _, r := range want {
		counts[r.Kind]++
		g, ok := byKey[r.Kind+"/"+r.ID]
		if !ok {
			t.Errorf("%s %s: not read today", r.Kind, r.ID)
			failures++
		} else if diff := subset(unmarshal(t, r.Value), unmarshal(t, g), r.Kind); diff != "" {
			t.Errorf("%s %s: %s", r.Kind, r.ID, diff)
			failures++
		}
		if failures > 10 {
			t.Fatal("more than 10 records differ")
		}
	}
	t.Logf("compared %v", counts)
	for _, kind := range []string{"case", "customer", "measures", "policies", "course", "evidence", "timeline"} {
		if counts[kind] == 0 {
			t.Errorf("the fixture's digest has no %s", kind)
		}
	}
}

func unmarshal(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// subset returns how got differs from want in a field want has, or "".
// Times compare as instants: an engine may return another time zone. An
// empty list and null are the same content.
func subset(want, got any, path string) string {
	if isEmptyList(want) && isEmptyList(got) {
		return ""
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %v, want an object", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing today", path, k)
			}
			if d := subset(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %v, want %v", path, got, want)
		}
		for i := range w {
			if d := subset(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case string:
		if g, ok := got.(string); ok {
			wt, err1 := time.Parse(time.RFC3339Nano, w)
			gt, err2 := time.Parse(time.RFC3339Nano, g)
			if err1 == nil && err2 == nil && wt.Equal(gt) {
				return ""
			}
		}
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: got %v, want %v", path, got, want)
	}
	return ""
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return v == nil || ok && len(l) == 0
}

// verifyEvidence decrypts every evidence file of the fixture and checks its
// hash. The demo's generated cases name placeholder files (blob ids
// starting "demo") that were never stored.
func verifyEvidence(t *testing.T, c *cli, digest []digestRecord) {
	t.Helper()
	blobs, err := blob.Open(c.env["KASUHARA_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	n := 0
	for _, r := range digest {
		if r.Kind != "evidence" {
			continue
		}
		var ev []kasuhara.Evidence
		if err := json.Unmarshal(r.Value, &ev); err != nil {
			t.Fatal(err)
		}
		for _, e := range ev {
			if strings.HasPrefix(e.BlobID, "demo") {
				continue
			}
			if err := blobs.Verify(e.BlobID, e.SHA256); err != nil {
				t.Errorf("evidence %s of case %s: %v", e.ID, r.ID, err)
			}
			n++
		}
	}
	if n < 4 {
		t.Errorf("%d evidence files verified, want the fixture's 4 at least", n)
	}
}

func readXZ(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command("xz", "-dc", path).Output()
	if err != nil {
		t.Fatalf("xz -dc %s: %v", path, err)
	}
	return out
}

func writeXZ(t *testing.T, path string, records []digestRecord) {
	t.Helper()
	b, err := json.MarshalIndent(records, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xz", "-9")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xz: %v", err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d records, %d bytes)", path, len(records), len(out))
}

// TestDowngradeRefused: a binary older than the database (one that a newer
// release migrated) refuses to serve or migrate, and says why.
func TestDowngradeRefused(t *testing.T) {
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			c := newCLI(t, e)
			c.ok("", "migrate")
			db, err := sqldb.Open(context.Background(), c.env["KASUHARA_DATABASE"], c.env["KASUHARA_DATA"])
			if err != nil {
				t.Fatal(err)
			}
			ms, _ := sqldb.Migrations(e)
			testdb.Exec(t, db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				len(ms)+1, "9999_next_release.sql", time.Now().UTC())
			db.Close()
			c.env["KASUHARA_ADDR"] = "127.0.0.1:0"
			for _, cmd := range []string{"serve", "migrate"} {
				_, _, err := c.run("", cmd)
				if err == nil || !strings.Contains(err.Error(), "migrated by a newer kasuhara") || !strings.Contains(err.Error(), "9999_next_release.sql") {
					t.Errorf("%s on a newer database: %v, want a refusal naming the unknown migration", cmd, err)
				}
			}
		})
	}
}

// The comparison of TestUpgrade: a field that reads differently or is gone
// fails; a field added since, or a time in another zone, does not.
func TestSubset(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		diff      string // what the difference must name; "" for none
	}{
		{"same", `{"Ref":"K-1","Urgent":true}`, `{"Ref":"K-1","Urgent":true}`, ""},
		{"added field", `{"Ref":"K-1"}`, `{"Ref":"K-1","Priority":2}`, ""},
		{"same instant, other zone", `{"At":"2026-01-02T03:04:05Z"}`, `{"At":"2026-01-02T12:04:05+09:00"}`, ""},
		{"changed value", `{"Ref":"K-1"}`, `{"Ref":"K-2"}`, "x.Ref"},
		{"removed field", `{"Ref":"K-1","Note":"n"}`, `{"Ref":"K-1"}`, "x.Note: missing"},
		{"other instant", `{"At":"2026-01-02T03:04:05Z"}`, `{"At":"2026-01-02T03:04:06Z"}`, "x.At"},
		{"nested", `{"Report":{"Conduct":"a"}}`, `{"Report":{"Conduct":"b"}}`, "x.Report.Conduct"},
		{"list shorter", `[{"ID":"1"},{"ID":"2"}]`, `[{"ID":"1"}]`, "x:"},
		{"list element", `[{"ID":"1"},{"ID":"2"}]`, `[{"ID":"1"},{"ID":"3"}]`, "x[1].ID"},
		{"null and an empty list", `{"IDs":null}`, `{"IDs":[]}`, ""},
		{"null to a list", `{"IDs":null}`, `{"IDs":["a"]}`, "x.IDs"},
		{"a value to null", `{"Ref":"K-1"}`, `{"Ref":null}`, "x.Ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subset(unmarshal(t, []byte(tt.want)), unmarshal(t, []byte(tt.got)), "x")
			if tt.diff == "" && got != "" {
				t.Fatalf("subset = %q, want no difference", got)
			}
			if tt.diff != "" && !strings.Contains(got, tt.diff) {
				t.Fatalf("subset = %q, want a difference at %q", got, tt.diff)
			}
		})
	}
}
