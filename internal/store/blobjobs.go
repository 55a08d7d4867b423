package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// StoredFile is one evidence file as the database records it: the blob
// that holds it and the SHA-256 of its plaintext.
type StoredFile struct {
	BlobID string
	SHA256 string
}

// storedFileColumns are the columns that name a stored file, with the
// column that holds its plaintext's SHA-256: case evidence, the files of
// online posts, the attachments of mail intake items and the recordings of
// calls (until they are filed or set aside). A file of an intake item or a
// call that was filed is also case evidence: it is listed once. Every
// column of the schema named *blob_id is here or in bookkeepingBlobColumns
// (TestStoredFileColumnsCoverSchema): a file left out is neither backed up,
// restored, moved nor re-encrypted, and a key rotation would destroy the
// only key that opens it.
var storedFileColumns = []struct{ table, blobID, sha256 string }{
	{"evidence", "blob_id", "sha256"},
	{"online_post_files", "blob_id", "sha256"},
	{"intake_attachments", "blob_id", "sha256"},
	{"call_drafts", "recording_blob_id", "recording_sha256"},
}

// bookkeepingBlobColumns name blob ids without holding the file: the
// files waiting to be deleted after a purge, and the files a blob job has
// done.
var bookkeepingBlobColumns = []string{"pending_blob_deletes.blob_id", "blob_job_files.blob_id"}

// storedFilesQuery selects blob_id, sha256 of every stored file, once.
func storedFilesQuery() string {
	var parts []string
	for _, c := range storedFileColumns {
		parts = append(parts, fmt.Sprintf("SELECT %s AS blob_id, %s AS sha256 FROM %s WHERE %s IS NOT NULL", c.blobID, c.sha256, c.table, c.blobID))
	}
	return strings.Join(parts, " UNION ")
}

// StoredFiles lists every file the database refers to (storedFileColumns),
// each once, ordered by blob id. It reads no case content.
func (s *Store) StoredFiles(ctx context.Context) ([]StoredFile, error) {
	return list(ctx, s.db.Read, "stored files", func(sc scanner) (f StoredFile, err error) {
		return f, sc.Scan(&f.BlobID, &f.SHA256)
	}, storedFilesQuery()+" ORDER BY 1")
}

// StoredFilesInSnapshot exports a snapshot of the PostgreSQL database
// (pg_export_snapshot in a read-only repeatable-read transaction), calls
// dump with its name while the transaction holds it (pg_dump --snapshot),
// and returns the files the database referred to in that same snapshot:
// exactly the files of the dump, even when a purge commits meanwhile.
func (s *Store) StoredFilesInSnapshot(ctx context.Context, dump func(snapshot string) error) ([]StoredFile, error) {
	if s.db.Engine != sqldb.Postgres {
		return nil, errors.New("store.StoredFilesInSnapshot: PostgreSQL only")
	}
	tx, err := s.db.Read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store.StoredFilesInSnapshot: %w", err)
	}
	defer tx.Rollback()
	var snapshot string
	if err := tx.QueryRowContext(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return nil, fmt.Errorf("store.StoredFilesInSnapshot: %w", err)
	}
	if err := dump(snapshot); err != nil {
		return nil, err
	}
	files, err := list(ctx, tx, "stored files", func(sc scanner) (f StoredFile, err error) {
		return f, sc.Scan(&f.BlobID, &f.SHA256)
	}, storedFilesQuery()+" ORDER BY 1")
	if err != nil {
		return nil, err
	}
	return files, tx.Commit()
}

// StoredFileExists reports whether the database still refers to blob id
// (a purge may have removed the case meanwhile, or the desk set the mail
// or call aside).
func (s *Store) StoredFileExists(ctx context.Context, blobID string) (bool, error) {
	var parts []string
	for _, c := range storedFileColumns {
		parts = append(parts, fmt.Sprintf("(SELECT COUNT(*) FROM %s WHERE %s = $1)", c.table, c.blobID))
	}
	var n int
	if err := s.db.Read.QueryRowContext(ctx, "SELECT "+strings.Join(parts, " + "), blobID).Scan(&n); err != nil {
		return false, fmt.Errorf("store.StoredFileExists: %w", err)
	}
	return n > 0, nil
}

// Blob job kinds.
const (
	BlobJobMove   = "move"   // kasuhara blob migrate
	BlobJobRotate = "rotate" // kasuhara key rotate
)

// BlobJob is the progress of a run over every evidence file.
type BlobJob struct {
	Job        string // "move s3://…" or "rotate age1…"
	Kind       string
	StartedAt  time.Time
	FinishedAt time.Time // zero while it runs
	Total      int
	Done       int
}

// StartBlobJob begins job (or finds it begun, when an interrupted run is
// resumed, resumed true) with total files, and returns the blob ids already
// done. A new run is audited as action (detail: non-personal facts such as
// the destination or the new public key); a resumed one as action+".resume".
func (s *Store) StartBlobJob(ctx context.Context, actor kasuhara.Actor, kind, job string, total int, action string, detail any) (done map[string]bool, resumed bool, err error) {
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		var finished sql.NullTime
		err := tx.QueryRowContext(ctx, "SELECT finished_at FROM blob_jobs WHERE job = $1", job).Scan(&finished)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, "INSERT INTO blob_jobs (job, kind, started_at, total) VALUES ($1, $2, $3, $4)",
				job, kind, s.now(), total); err != nil {
				return err
			}
		case err != nil:
			return err
		case finished.Valid:
			// Run again after it finished (a move back and forth): anew.
			if _, err := tx.ExecContext(ctx, "UPDATE blob_jobs SET started_at = $2, finished_at = NULL, total = $3, done = 0 WHERE job = $1",
				job, s.now(), total); err != nil {
				return err
			}
		default:
			resumed = true
			if _, err := tx.ExecContext(ctx, "UPDATE blob_jobs SET total = $2 WHERE job = $1", job, total); err != nil {
				return err
			}
		}
		if resumed {
			action += ".resume"
		}
		return s.appendAudit(ctx, tx, change{actor: actor, action: action, objectType: "blob_job", detail: detail})
	})
	if err != nil {
		return nil, false, wrap("store.StartBlobJob", err)
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT blob_id FROM blob_job_files WHERE job = $1", job)
	if err != nil {
		return nil, false, fmt.Errorf("store.StartBlobJob: %w", err)
	}
	defer rows.Close()
	done = map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, fmt.Errorf("store.StartBlobJob: %w", err)
		}
		done[id] = true
	}
	return done, resumed, rows.Err()
}

// BlobJobFileDone records that the run has finished with one file.
func (s *Store) BlobJobFileDone(ctx context.Context, job, blobID string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO blob_job_files (job, blob_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", job, blobID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			_, err = tx.ExecContext(ctx, "UPDATE blob_jobs SET done = done + 1 WHERE job = $1", job)
		}
		return err
	})
	return wrap("store.BlobJobFileDone", err)
}

// FinishBlobJob marks job finished, forgets its files and audits action.
func (s *Store) FinishBlobJob(ctx context.Context, actor kasuhara.Actor, job, action string, detail any) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE blob_jobs SET finished_at = $2 WHERE job = $1", job, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM blob_job_files WHERE job = $1", job); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: actor, action: action, objectType: "blob_job", detail: detail})
	})
	return wrap("store.FinishBlobJob", err)
}

// BlobJobs lists the runs of kind, the newest first.
func (s *Store) BlobJobs(ctx context.Context, kind string) ([]BlobJob, error) {
	return list(ctx, s.db.Read, "blob jobs", func(sc scanner) (j BlobJob, err error) {
		var fin sql.NullTime
		err = sc.Scan(&j.Job, &j.Kind, &j.StartedAt, &fin, &j.Total, &j.Done)
		j.StartedAt, j.FinishedAt = j.StartedAt.UTC(), nullTime(fin)
		return j, err
	}, "SELECT job, kind, started_at, finished_at, total, done FROM blob_jobs WHERE kind = $1 ORDER BY started_at DESC", kind)
}

// FinishPurge completes, in a restored database, what happened to files
// that were gone when the backup copied them (the archive's manifest
// names them purged): a case with evidence among them was purged by the
// nightly purge while the backup ran, and is purged here too, its counts
// kept and audited as case.purge (detail finished_by "restore"); any other
// row that names such a file (a waiting mail's attachment, a call's
// recording, an online post's file: set aside meanwhile) is removed,
// audited as restore.file_gone. So no page lists a file that cannot be
// downloaded. It returns the number of cases purged and of other rows
// removed.
func (s *Store) FinishPurge(ctx context.Context, blobIDs []string) (cases, others int, err error) {
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		cases, others = 0, 0
		done := map[string]bool{}
		for _, id := range blobIDs {
			caseIDs, err := selectIDs(ctx, tx, "SELECT case_id FROM evidence WHERE blob_id = $1", id)
			if err != nil {
				return err
			}
			for _, caseID := range caseIDs {
				if done[caseID] {
					continue
				}
				done[caseID] = true
				c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id = $1", caseID))
				if err != nil {
					return err
				}
				files, err := selectIDs(ctx, tx, "SELECT blob_id FROM evidence WHERE case_id = $1", caseID)
				if err != nil {
					return err
				}
				if err := s.keepPurgedStats(ctx, tx, c); err != nil {
					return err
				}
				if err := s.deleteCase(ctx, tx, caseID); err != nil {
					return err
				}
				cases++
				if err := s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: c.OrgID, action: "case.purge", objectType: "case", objectID: caseID,
					detail: map[string]any{"ref": c.Ref, "state": c.State, "verdict": c.Verdict, "evidence_files": len(files), "finished_by": "restore"}}); err != nil {
					return err
				}
			}
			for _, q := range []struct{ table, org, remove string }{
				{"intake_attachments", "SELECT i.org_id FROM intake_attachments a JOIN intake_items i ON i.id = a.item_id WHERE a.blob_id = $1",
					"DELETE FROM intake_attachments WHERE blob_id = $1"},
				{"call_drafts", "SELECT org_id FROM call_drafts WHERE recording_blob_id = $1",
					`UPDATE call_drafts SET recording_blob_id = NULL, recording_media_type = '', recording_size = 0, recording_sha256 = ''
					WHERE recording_blob_id = $1`},
				{"online_post_files", "SELECT p.org_id FROM online_post_files f JOIN online_posts p ON p.id = f.post_id WHERE f.blob_id = $1",
					"DELETE FROM online_post_files WHERE blob_id = $1"},
			} {
				orgs, err := selectIDs(ctx, tx, q.org, id)
				if err != nil {
					return err
				}
				if len(orgs) == 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, q.remove, id); err != nil {
					return err
				}
				others++
				if err := s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: orgs[0], action: "restore.file_gone", objectType: "blob", objectID: id,
					detail: map[string]any{"table": q.table}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return cases, others, wrap("store.FinishPurge", err)
}
