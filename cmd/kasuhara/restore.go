package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// restoreCmd is kasuhara restore FILE (an archive of kasuhara backup) and
// kasuhara restore key FILE (one of kasuhara backup key).
func restoreCmd(ctx context.Context, e env, args []string) error {
	key := len(args) > 0 && args[0] == "key"
	if key {
		args = args[1:]
	}
	name := "restore"
	if key {
		name = "restore key"
	}
	cfg, file, ids, err := parseArchiveFile(e, name, config.Storage, args, "[--data DIR] [--database URL] [--passphrase P | --identity FILE]", nil)
	if err != nil {
		return err
	}
	if key {
		return restoreKeys(e, cfg, file, ids)
	}
	return restoreArchive(ctx, e, cfg, file, ids)
}

// restoreKeys puts the keys of a kasuhara backup key file into DATA/keys,
// refusing to replace a key there.
func restoreKeys(e env, cfg *config.Config, file string, ids []age.Identity) error {
	keysDir := filepath.Join(cfg.Data, "keys")
	if err := os.MkdirAll(keysDir, 0o700); err != nil {
		return err
	}
	staged := map[string][]byte{}
	m, err := readArchive(file, ids, func(name string, r io.Reader) error {
		base, ok := strings.CutPrefix(name, "keys/")
		if !ok || base == "" || strings.Contains(base, "/") {
			return errors.New("not a key")
		}
		b, err := io.ReadAll(io.LimitReader(r, 1<<20))
		staged[base] = b
		return err
	})
	if err != nil {
		return err
	}
	if m.Kind != keysArchiveKind {
		return usagef("restore key: %s is a backup archive, not a key file: restore it with kasuhara restore", file)
	}
	for base := range staged {
		if _, err := os.Lstat(filepath.Join(keysDir, base)); err == nil {
			return usagef("restore key: %s already holds %s; it is never replaced: restore into an empty data directory", keysDir, base)
		}
	}
	var names []string
	for base, b := range staged {
		if err := writeFile(filepath.Join(keysDir, base), strings.NewReader(string(b))); err != nil {
			return fmt.Errorf("restore key: %w", err)
		}
		names = append(names, base)
	}
	slices.Sort(names)
	fmt.Fprintf(e.stdout, "Restored the keys %s into %s.\n", strings.Join(names, ", "), keysDir)
	return nil
}

// restoreArchive restores an archive into an empty installation: the
// database (SQLite file, or pg_restore into an empty PostgreSQL database)
// and the evidence files into the evidence store of cfg (--blob). Every
// entry is compared with the manifest, and the audit trail and the files
// the database refers to are checked, before it says done; a failure
// removes what it wrote.
func restoreArchive(ctx context.Context, e env, cfg *config.Config, file string, ids []age.Identity) (err error) {
	// Refuse anything but an empty installation.
	sqlitePath := filepath.Join(cfg.Data, sqldb.SQLiteFile)
	if cfg.Database == "" {
		if _, err := os.Stat(sqlitePath); err == nil {
			return usagef("restore: %s holds a database; restore only into an empty data directory (--data)", cfg.Data)
		}
	} else if n, err := pgTables(ctx, cfg.Database); err != nil {
		return fmt.Errorf("restore: --database: %w", err)
	} else if n > 0 {
		return usagef("restore: the database at --database holds %d tables; restore only into an empty database", n)
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return err
	}
	blobs, err := blob.OpenStorage(ctx, cfg.Data, blobOptions(cfg, cfg.Blob))
	if err != nil {
		return fmt.Errorf("restore: evidence store: %w", err)
	}
	defer blobs.Close()
	if err := blobs.List(ctx, func(string) error { return errNotEmpty }); errors.Is(err, errNotEmpty) {
		return usagef("restore: %s holds evidence files; restore only into an empty place (--blob)", blobs.Location())
	} else if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp(cfg.Data, "restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var written []string
	pgLoaded := false
	defer func() {
		if err != nil {
			for _, id := range written {
				blobs.Delete(id)
			}
			os.Remove(sqlitePath)
			fmt.Fprintln(e.stderr, "kasuhara: the restore failed; the evidence files it wrote are removed.")
			if pgLoaded {
				fmt.Fprintln(e.stderr, "kasuhara: the database at --database holds what was loaded: drop it and create it empty before trying again.")
			}
		}
	}()
	var dbEntry string
	m, err := readArchive(file, ids, func(name string, r io.Reader) error {
		switch {
		case name == sqliteEntry || name == postgresEntry:
			dbEntry = name
			return writeFile(filepath.Join(tmp, filepath.Base(name)), r)
		case strings.HasPrefix(name, evidencePrefix):
			id := filepath.Base(name)
			if _, err := blobs.WriteStored(ctx, id, r, ""); err != nil {
				return err
			}
			written = append(written, id)
			return nil
		}
		return errors.New("not an entry of a backup archive")
	})
	if err != nil {
		return err
	}
	if m.Kind == keysArchiveKind {
		return usagef("restore: %s is a key file: restore it with kasuhara restore key", file)
	}
	switch {
	case dbEntry == "":
		return fmt.Errorf("restore: %s holds no database", file)
	case dbEntry == sqliteEntry && cfg.Database != "":
		return usagef("restore: %s holds a SQLite database; restore it without --database", file)
	case dbEntry == postgresEntry && cfg.Database == "":
		return usagef("restore: %s holds a PostgreSQL dump; give --database with the URL of an empty database", file)
	}
	if dbEntry == sqliteEntry {
		if err := os.Rename(filepath.Join(tmp, sqldb.SQLiteFile), sqlitePath); err != nil {
			return err
		}
	} else {
		pgLoaded = true
		if err := pgRestore(ctx, cfg.Database, filepath.Join(tmp, "postgres.dump")); err != nil {
			return err
		}
	}

	// The restored database: its audit trail, and a file for every file it
	// refers to (decrypted and hashed when the evidence key is here).
	n, err := verifyAuditIn(ctx, cfg.Data, cfg.Database)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	db, st, err := openOrCreateStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// The files the nightly purge removed while the backup ran: their
	// cases go here too, as they went on the installation backed up, so
	// that no page lists evidence that cannot be downloaded.
	purgedCases, purgedOthers := 0, 0
	if len(m.Purged) > 0 {
		if purgedCases, purgedOthers, err = st.FinishPurge(ctx, m.Purged); err != nil {
			return fmt.Errorf("restore: finishing the purge of the files purged while the backup ran: %w", err)
		}
	}
	files, err := st.StoredFiles(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, id := range written {
		have[id] = true
	}
	var keyed *blob.Store
	if _, err := os.Stat(filepath.Join(cfg.Data, "keys", "evidence.age-key")); err == nil {
		if keyed, err = openBlobs(ctx, cfg); err != nil {
			return err
		}
		defer keyed.Close()
	}
	for _, f := range files {
		if !have[f.BlobID] {
			return fmt.Errorf("restore: %s: the database refers to evidence file %s, which is not in it", file, f.BlobID)
		}
		if keyed != nil {
			if err := keyed.Verify(f.BlobID, f.SHA256); err != nil {
				return fmt.Errorf("restore: %s%s/%s: %w", evidencePrefix, f.BlobID[:2], f.BlobID, err)
			}
		}
	}
	fmt.Fprintf(e.stdout, "Restored %s: every one of its %d entries matches its manifest; the audit trail is intact (%d entries); %d evidence files",
		file, len(m.Entries), n, len(files))
	if keyed != nil {
		fmt.Fprintln(e.stdout, " decrypted and match the SHA-256 the database recorded.")
	} else {
		fmt.Fprintln(e.stdout, " are in place (not decrypted: the evidence key is not in the data directory). Restore it with kasuhara restore key FILE before starting the server.")
	}
	if len(m.Purged) > 0 {
		fmt.Fprintf(e.stdout, "%d files were purged while the backup ran, as the archive records: the restore finished that purge "+
			"(%d cases purged, %d files of waiting mail, calls or posts removed), audited.\n", len(m.Purged), purgedCases, purgedOthers)
	}
	return nil
}

var errNotEmpty = errors.New("not empty")

// pgTables counts the tables in the public schema of the database at url.
func pgTables(ctx context.Context, url string) (int, error) {
	db, err := sqldb.Open(ctx, url, "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&n)
	return n, err
}

// pgRestore loads a pg_dump custom-format file with PostgreSQL's own
// pg_restore.
func pgRestore(ctx context.Context, url, path string) error {
	bin, err := exec.LookPath("pg_restore")
	if err != nil {
		return errors.New("restore: pg_restore is not installed: install PostgreSQL's client programs (Debian, Ubuntu: apt install postgresql-client) in the server's major version")
	}
	cmd := exec.CommandContext(ctx, bin, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", url, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restore: pg_restore: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
