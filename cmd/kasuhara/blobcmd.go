package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/store"
)

// blobOptions says where cfg keeps evidence files.
func blobOptions(cfg *config.Config, location string) blob.Options {
	return blob.Options{Location: location, S3: blob.S3{
		Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, PathStyle: cfg.S3PathStyle,
		AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey,
	}}
}

// openBlobs opens the evidence store that cfg names (--blob), with its keys
// in the data directory.
func openBlobs(ctx context.Context, cfg *config.Config) (*blob.Store, error) {
	s, err := blob.OpenWith(ctx, cfg.Data, blobOptions(cfg, cfg.Blob))
	if err != nil {
		return nil, fmt.Errorf("evidence store: %w\n(check --blob / KASUHARA_BLOB and the KASUHARA_S3_* variables)", err)
	}
	return s, nil
}

// progress prints "verb n/total" about twenty times over a run.
type progress struct {
	w     io.Writer
	verb  string
	total int
	every int
}

func newProgress(w io.Writer, verb string, total int) *progress {
	return &progress{w: w, verb: verb, total: total, every: max(1, total/20)}
}

func (p *progress) step(n int) {
	if n%p.every == 0 || n == p.total {
		fmt.Fprintf(p.w, "%s %d/%d\n", p.verb, n, p.total)
	}
}

func blobCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usagef("blob: usage: kasuhara blob migrate --to s3://bucket/prefix | --to local | --to DIR")
	}
	var to string
	cfg, _, err := parse(e, "blob migrate", config.Storage, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "where to move the evidence files: s3://bucket/prefix (with the KASUHARA_S3_* variables), local (DATA/evidence) or a directory")
	})
	if err != nil {
		return err
	}
	switch {
	case to == "":
		return usagef("blob migrate: --to is required: s3://bucket/prefix, local or a directory")
	case to == "local":
		to = ""
	}
	if _, _, _, err := blob.ParseLocation(to); err != nil {
		return usagef("blob migrate: --to: %v", err)
	}
	if to != "" && !filepath.IsAbs(to) && to[:min(len(to), 5)] != "s3://" {
		return usagef("blob migrate: --to: a directory must be an absolute path")
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		src, err := openBlobs(ctx, cfg)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := blob.OpenWith(ctx, cfg.Data, blobOptions(cfg, to))
		if err != nil {
			return fmt.Errorf("blob migrate: --to: %w", err)
		}
		defer dst.Close()
		if src.Location() == dst.Location() {
			return usagef("blob migrate: the evidence files are already in %s", dst.Location())
		}
		return migrateBlobs(ctx, e, st, src, dst, to)
	})
}

// afterBlobFile, when set (by tests), runs after each file a run over the
// evidence files has finished with.
var afterBlobFile func()

// migrateBlobs copies every file the database refers to from src to dst as
// stored (ciphertext), checks each copy by decrypting it and comparing the
// SHA-256 the database recorded, and records each file done, so that a
// rerun after an interruption continues. The files in src are kept.
func migrateBlobs(ctx context.Context, e env, st *store.Store, src, dst *blob.Store, to string) error {
	files, err := st.StoredFiles(ctx)
	if err != nil {
		return err
	}
	job := "move " + dst.Location()
	detail := map[string]any{"from": src.Location(), "to": dst.Location(), "files": len(files)}
	done, resumed, err := st.StartBlobJob(ctx, kasuhara.CLIActor, store.BlobJobMove, job, len(files), "blob.migrate", detail)
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(e.stdout, "Continuing the move to %s: %d of %d files were done before.\n", dst.Location(), len(done), len(files))
	} else {
		fmt.Fprintf(e.stdout, "Moving %d evidence files from %s to %s.\n", len(files), src.Location(), dst.Location())
	}
	p := newProgress(e.stdout, "moved", len(files))
	var failed []string
	copied, skipped := 0, 0
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("blob migrate: interrupted after %d of %d files; run it again to continue: %w", i, len(files), err)
		}
		if !done[f.BlobID] {
			did, err := moveOne(ctx, st, src, dst, f)
			switch {
			case errors.Is(err, errPurged):
				skipped++
			case err != nil:
				failed = append(failed, err.Error())
				fmt.Fprintf(e.stderr, "kasuhara: %v\n", err)
				continue
			case did:
				copied++
			}
			if err := st.BlobJobFileDone(ctx, job, f.BlobID); err != nil {
				return err
			}
			if afterBlobFile != nil {
				afterBlobFile()
			}
		}
		p.step(i + 1)
	}
	if len(failed) > 0 {
		return fmt.Errorf("blob migrate: %d of %d files could not be moved (above); the others are in %s; fix them and run it again", len(failed), len(files), dst.Location())
	}
	if err := st.FinishBlobJob(ctx, kasuhara.CLIActor, job, "blob.migrate.finish",
		map[string]any{"from": src.Location(), "to": dst.Location(), "files": len(files), "copied": copied}); err != nil {
		return err
	}
	setting := "KASUHARA_BLOB=" + to
	if to == "" {
		setting = "KASUHARA_BLOB empty (the data directory's evidence/)"
	}
	fmt.Fprintf(e.stdout, "Moved and verified %d evidence files (%d copied now, %d gone with their case meanwhile). "+
		"Stop the servers, run this command once more for the files filed meanwhile, set %s and start them again. "+
		"The files in %s are kept: remove them once the servers run on the new place.\n",
		len(files)-skipped, copied, skipped, setting, src.Location())
	return nil
}

// errPurged means the database no longer refers to a file (its case was
// purged during the run).
var errPurged = errors.New("purged")

func moveOne(ctx context.Context, st *store.Store, src, dst *blob.Store, f store.StoredFile) (copied bool, err error) {
	// A copy already there from an interrupted run is kept when it verifies.
	if ok, err := dst.Exists(ctx, f.BlobID); err != nil {
		return false, err
	} else if ok && dst.Verify(f.BlobID, f.SHA256) == nil {
		return false, nil
	}
	r, err := src.ReadStored(ctx, f.BlobID)
	if errors.Is(err, blob.ErrNotFound) {
		if ok, err2 := st.StoredFileExists(ctx, f.BlobID); err2 == nil && !ok {
			return false, errPurged
		}
	}
	if err != nil {
		return false, fmt.Errorf("file %s: %w", f.BlobID, err)
	}
	defer r.Close()
	if _, err := dst.WriteStored(ctx, f.BlobID, r, ""); err != nil {
		return false, fmt.Errorf("file %s: %w", f.BlobID, err)
	}
	if err := dst.Verify(f.BlobID, f.SHA256); err != nil {
		dst.Delete(f.BlobID)
		return false, fmt.Errorf("file %s: the copy does not match the SHA-256 recorded: %w", f.BlobID, err)
	}
	if err := dropIfPurged(ctx, st, dst, f.BlobID); err != nil {
		return false, err
	}
	return true, nil
}

// dropIfPurged deletes a file just written when its case was purged while
// it was being written: the purge deleted the file before, and a purged
// file must not come back.
func dropIfPurged(ctx context.Context, st *store.Store, blobs *blob.Store, id string) error {
	ok, err := st.StoredFileExists(ctx, id)
	if err != nil || ok {
		return err
	}
	if err := blobs.Delete(id); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("file %s, purged with its case meanwhile: %w", id, err)
	}
	return nil
}

// keyCmd is kasuhara key rotate | status.
func keyCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "status") {
		return usagef("key: usage: kasuhara key rotate | kasuhara key status")
	}
	cfg, _, err := parse(e, "key "+args[0], config.Storage, args[1:], nil)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		if args[0] == "status" {
			return keyStatus(ctx, e, st)
		}
		blobs, err := openBlobs(ctx, cfg)
		if err != nil {
			return err
		}
		defer blobs.Close()
		return rotateKey(ctx, e, st, blobs)
	})
}

func keyStatus(ctx context.Context, e env, st *store.Store) error {
	jobs, err := st.BlobJobs(ctx, store.BlobJobRotate)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(e.stdout, "The evidence key was never rotated.")
		return nil
	}
	j := jobs[0]
	at := func(t time.Time) string { return t.In(calendar.JST).Format("2006-01-02 15:04 MST") }
	if j.FinishedAt.IsZero() {
		fmt.Fprintf(e.stdout, "A key rotation begun %s is not finished: %d of %d files re-encrypted. Run kasuhara key rotate to continue it.\n",
			at(j.StartedAt), j.Done, j.Total)
		return nil
	}
	fmt.Fprintf(e.stdout, "The evidence key was last rotated %s (%d files re-encrypted); the old key is destroyed.\n", at(j.FinishedAt), j.Total)
	return nil
}

// rotateKey puts a new evidence key in place (or continues the rotation
// begun), re-encrypts every file to it, each checked against the SHA-256
// the database recorded and recorded done in the database, and destroys the
// old key only once every file is done. The servers keep running: they
// notice the new key by themselves.
func rotateKey(ctx context.Context, e env, st *store.Store, blobs *blob.Store) error {
	oldKey, newKey, err := blobs.BeginRotation()
	if err != nil {
		return err
	}
	files, err := st.StoredFiles(ctx)
	if err != nil {
		return err
	}
	job := "rotate " + newKey
	done, resumed, err := st.StartBlobJob(ctx, kasuhara.CLIActor, store.BlobJobRotate, job, len(files), "key.rotate",
		map[string]any{"old_key": oldKey, "new_key": newKey, "files": len(files)})
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(e.stdout, "Continuing the key rotation: %d of %d files were re-encrypted before.\n", len(done), len(files))
	} else {
		fmt.Fprintf(e.stdout, "A new evidence key is in place (public key %s); re-encrypting %d files. The old key is kept until every file is done.\n", newKey, len(files))
	}
	p := newProgress(e.stdout, "re-encrypted", len(files))
	var failed int
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("key rotate: interrupted after %d of %d files; run it again to continue: %w", i, len(files), err)
		}
		if !done[f.BlobID] {
			changed, err := blobs.Reencrypt(ctx, f.BlobID, f.SHA256)
			if errors.Is(err, blob.ErrNotFound) {
				if ok, err2 := st.StoredFileExists(ctx, f.BlobID); err2 == nil && !ok {
					err = nil // purged meanwhile
				}
			} else if err == nil && changed {
				err = dropIfPurged(ctx, st, blobs, f.BlobID)
			}
			if err != nil {
				failed++
				fmt.Fprintf(e.stderr, "kasuhara: %v\n", err)
				continue
			}
			if err := st.BlobJobFileDone(ctx, job, f.BlobID); err != nil {
				return err
			}
			if afterBlobFile != nil {
				afterBlobFile()
			}
		}
		p.step(i + 1)
	}
	if failed > 0 {
		return fmt.Errorf("key rotate: %d of %d files could not be re-encrypted (above); the old key is kept: fix them (restore them from a backup) and run it again", failed, len(files))
	}
	// Files filed while the run went on are on the new key already; a
	// last pass over the files filed since it listed them catches any
	// upload that began before the servers noticed the new key. Such an
	// upload can take as long as a server reads a request (5 minutes):
	// the last pass waits until that long after the new key was put in
	// place, or a file still on the old key would be recorded after it
	// and lost with the old key.
	if err := settleRotation(ctx, e, st); err != nil {
		return err
	}
	late, err := st.StoredFiles(ctx)
	if err != nil {
		return err
	}
	for _, f := range late {
		if _, err := blobs.Reencrypt(ctx, f.BlobID, f.SHA256); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("key rotate: %w; the old key is kept: run it again", err)
		}
	}
	// The OpenID client secrets are sealed with the same key: sealed again
	// before the old key goes.
	st.DirectorySecrets = blobs
	if _, err := st.ResealSecrets(ctx); err != nil {
		return fmt.Errorf("key rotate: the client secrets of company sign-in: %w; the old key is kept: run it again", err)
	}
	// Recorded first: a kill between the two leaves the old key, and the
	// next run finds every file done and destroys it.
	if err := st.FinishBlobJob(ctx, kasuhara.CLIActor, job, "key.rotate.finish",
		map[string]any{"old_key": oldKey, "new_key": newKey, "files": len(late)}); err != nil {
		return err
	}
	if err := blobs.FinishRotation(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Re-encrypted every evidence file to the new key and destroyed the old one. Back up the new key now: kasuhara backup key FILE.\n")
	return nil
}

// rotationSettle is how long after the new key was put in place the last
// pass of a key rotation waits: the servers' longest request (an upload
// from a slow phone, serve.go's ReadTimeout) plus a minute.
// KASUHARA_KEY_ROTATE_SETTLE shortens it where no server runs (tests, a
// stopped installation).
const rotationSettle = 6 * time.Minute

// settleRotation waits until rotationSettle has passed since the rotation
// began (a resumed rotation began long ago and does not wait).
func settleRotation(ctx context.Context, e env, st *store.Store) error {
	settle := rotationSettle
	if v := e.getenv("KASUHARA_KEY_ROTATE_SETTLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return usagef("KASUHARA_KEY_ROTATE_SETTLE=%q: a duration such as 6m or 0s", v)
		}
		settle = d
	}
	jobs, err := st.BlobJobs(ctx, store.BlobJobRotate)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return nil
	}
	wait := time.Until(jobs[0].StartedAt.Add(settle))
	if wait <= 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "Waiting %s for uploads begun before the new key to finish, then a last pass.\n", wait.Round(time.Second))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("key rotate: interrupted before the last pass; run it again to continue: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}
