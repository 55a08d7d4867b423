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

// TestStoredFilesIntakeAndCalls: the attachments of a mail waiting in the
// intake queue and the recording of a call not yet filed are stored files
// too (a backup, a restore, a move and a key rotation go over them); a
// file filed as evidence is listed once; a mail or call set aside leaves
// nothing listed.
func TestStoredFilesIntakeAndCalls(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		sum := func(b string) string { return strings.Repeat(b[:1], 64) }
		att := func(b string) kasuhara.IntakeAttachment {
			return kasuhara.IntakeAttachment{BlobID: b, Filename: "写真.jpg", MediaType: "image/jpeg", Size: 10, SHA256: sum(b)}
		}
		mail := func(from string, blobs ...string) *kasuhara.IntakeItem {
			t.Helper()
			in := kasuhara.InboundMail{FromAddress: from, Subject: "苦情", Body: "大声で怒鳴られた"}
			for _, b := range blobs {
				in.Attachments = append(in.Attachments, att(b))
			}
			it, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		call := func(id, b string) *kasuhara.CallDraft {
			t.Helper()
			dr, _, err := d.s.CallEnded(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.CallEvent{Source: kasuhara.CallSourceSIP, CallID: id,
				AgentEmail: "desk1@example.jp", DurationSeconds: 60,
				Recording: &kasuhara.Evidence{BlobID: b, Filename: "録音.wav", MediaType: "audio/wav", Size: 10, SHA256: sum(b)}})
			if err != nil {
				t.Fatal(err)
			}
			return dr
		}
		desk1 := d.people["desk1"]
		mail("a@else.example", "aa", "bb") // open
		filed := mail("f@else.example", "ff")
		discarded := mail("x@else.example", "xx")
		call("c1", "cc") // open
		filedCall := call("c2", "gg")
		dismissed := call("c3", "dd")
		rep := report(d.shop.ID, "電話で怒鳴った", "shouting")
		if _, err := d.s.FileIntake(ctx, desk1, filed.ID, kasuhara.IntakeFiling{Report: rep}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.DiscardIntake(ctx, desk1, discarded.ID, "広告"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.FileCallDraft(ctx, desk1, filedCall.ID, rep); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.DismissCallDraft(ctx, desk1, dismissed.ID); err != nil {
			t.Fatal(err)
		}
		files, err := d.s.StoredFiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want []store.StoredFile
		for _, b := range []string{"aa", "bb", "cc", "ff", "gg"} {
			want = append(want, store.StoredFile{BlobID: b, SHA256: sum(b)})
		}
		if !slices.Equal(files, want) {
			t.Errorf("StoredFiles = %v, want %v", files, want)
		}
		for b, want := range map[string]bool{"aa": true, "cc": true, "ff": true, "gg": true, "xx": false, "dd": false} {
			if ok, err := d.s.StoredFileExists(ctx, b); ok != want || err != nil {
				t.Errorf("StoredFileExists(%s) = %v, %v; want %v", b, ok, err, want)
			}
		}
	})
}

// TestFinishPurge: in a restored database, the files that were gone when
// the backup copied them take their case with them (audited as a purge
// finished by the restore, the statistics still counting it); a waiting
// mail's attachment among them is removed, audited; a case whose files
// are not among them stays, and the audit trail verifies.
func TestFinishPurge(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk := d.people["clerk"]
		gone := d.file(t, clerk, report(d.shop.ID, "消える事案", "insult"))
		kept := d.file(t, clerk, report(d.shop.ID, "残る事案", "insult"))
		for c, b := range map[string]string{gone.ID: "g1", kept.ID: "k1"} {
			if _, err := d.s.AddEvidence(ctx, clerk, c, kasuhara.Evidence{BlobID: b, Filename: "録音.m4a",
				MediaType: "audio/mp4", Size: 10, SHA256: strings.Repeat("a", 64)}); err != nil {
				t.Fatal(err)
			}
		}
		it, err := d.s.ReceiveMail(ctx, kasuhara.SystemActor, d.org.ID, kasuhara.InboundMail{FromAddress: "a@else.example", Body: "x",
			Attachments: []kasuhara.IntakeAttachment{{BlobID: "m1", Filename: "a.jpg", MediaType: "image/jpeg", Size: 1, SHA256: strings.Repeat("b", 64)},
				{BlobID: "m2", Filename: "b.jpg", MediaType: "image/jpeg", Size: 1, SHA256: strings.Repeat("c", 64)}}})
		if err != nil {
			t.Fatal(err)
		}
		cases, others, err := d.s.FinishPurge(ctx, []string{"g1", "m1", "unknown"})
		if err != nil || cases != 1 || others != 1 {
			t.Fatalf("FinishPurge = %d, %d, %v; want 1, 1", cases, others, err)
		}
		if got := testdb.Strings(t, d.s.DB(), "SELECT id FROM cases ORDER BY id"); !slices.Contains(got, kept.ID) || slices.Contains(got, gone.ID) {
			t.Errorf("cases after FinishPurge: %v", got)
		}
		files, _ := d.s.StoredFiles(ctx)
		var ids []string
		for _, f := range files {
			ids = append(ids, f.BlobID)
		}
		if !slices.Equal(ids, []string{"k1", "m2"}) {
			t.Errorf("files after FinishPurge: %v, want k1 m2", ids)
		}
		got, err := d.s.IntakeItem(ctx, d.people["desk1"], it.ID)
		if err != nil || len(got.Attachments) != 1 {
			t.Errorf("the mail after FinishPurge: %+v, %v", got, err)
		}
		purges := testdb.Strings(t, d.s.DB(), "SELECT detail FROM audit_entries WHERE action = 'case.purge' AND object_id = $1", gone.ID)
		if len(purges) != 1 || !strings.Contains(purges[0], `"finished_by":"restore"`) || strings.Contains(purges[0], "消える") {
			t.Errorf("audited purge: %v", purges)
		}
		if got := testdb.Strings(t, d.s.DB(), "SELECT object_id FROM audit_entries WHERE action = 'restore.file_gone'"); !slices.Equal(got, []string{"m1"}) {
			t.Errorf("audited removals: %v", got)
		}
		if n := testdb.Strings(t, d.s.DB(), "SELECT n FROM case_stats_purged"); len(n) == 0 {
			t.Error("the statistics forgot the purged case")
		}
		if _, problem, err := d.s.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit: %v %+v", err, problem)
		}
	})
}
