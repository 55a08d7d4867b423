package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestBlobJobs: StoredFiles lists the blobs the database refers to, with
// their hashes; a job's progress survives to a resumed run, each file is
// counted once, and start, resume and finish are audited.
func TestBlobJobs(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		for _, b := range []string{"bb", "aa"} {
			if _, err := d.s.AddEvidence(ctx, d.people["clerk"], c.ID, kasuhara.Evidence{BlobID: b, Filename: "録音.m4a",
				MediaType: "audio/mp4", Size: 10, SHA256: strings.Repeat(b[:1], 64)}); err != nil {
				t.Fatal(err)
			}
		}
		files, err := d.s.StoredFiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []store.StoredFile{{"aa", strings.Repeat("a", 64)}, {"bb", strings.Repeat("b", 64)}}; !slices.Equal(files, want) {
			t.Fatalf("StoredFiles = %v, want %v", files, want)
		}
		if ok, err := d.s.StoredFileExists(ctx, "aa"); !ok || err != nil {
			t.Errorf("StoredFileExists(aa) = %v, %v", ok, err)
		}
		if ok, err := d.s.StoredFileExists(ctx, "zz"); ok || err != nil {
			t.Errorf("StoredFileExists(zz) = %v, %v", ok, err)
		}

		const job = "rotate age1new"
		done, resumed, err := d.s.StartBlobJob(ctx, kasuhara.CLIActor, store.BlobJobRotate, job, 2, "key.rotate", map[string]string{"new_key": "age1new"})
		if err != nil || resumed || len(done) != 0 {
			t.Fatalf("StartBlobJob = %v, %v, %v", done, resumed, err)
		}
		for range 2 { // twice: counted once
			if err := d.s.BlobJobFileDone(ctx, job, "aa"); err != nil {
				t.Fatal(err)
			}
		}
		done, resumed, err = d.s.StartBlobJob(ctx, kasuhara.CLIActor, store.BlobJobRotate, job, 2, "key.rotate", nil)
		if err != nil || !resumed || !done["aa"] || done["bb"] {
			t.Fatalf("resumed StartBlobJob = %v, %v, %v", done, resumed, err)
		}
		jobs, err := d.s.BlobJobs(ctx, store.BlobJobRotate)
		if err != nil || len(jobs) != 1 || jobs[0].Done != 1 || jobs[0].Total != 2 || !jobs[0].FinishedAt.IsZero() {
			t.Fatalf("BlobJobs = %+v, %v", jobs, err)
		}
		if err := d.s.FinishBlobJob(ctx, kasuhara.CLIActor, job, "key.rotate.finish", nil); err != nil {
			t.Fatal(err)
		}
		jobs, _ = d.s.BlobJobs(ctx, store.BlobJobRotate)
		if len(jobs) != 1 || jobs[0].FinishedAt.IsZero() {
			t.Fatalf("after finish BlobJobs = %+v", jobs)
		}
		if moves, _ := d.s.BlobJobs(ctx, store.BlobJobMove); len(moves) != 0 {
			t.Errorf("a rotation listed as a move: %+v", moves)
		}
		actions := testdb.Strings(t, d.s.DB(), "SELECT action FROM audit_entries WHERE object_type = 'blob_job' ORDER BY seq")
		if want := []string{"key.rotate", "key.rotate.resume", "key.rotate.finish"}; !slices.Equal(actions, want) {
			t.Errorf("audited %v, want %v", actions, want)
		}
		if _, _, err := d.s.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
