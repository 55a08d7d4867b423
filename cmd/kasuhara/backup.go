package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/kasuhara/kasuhara/internal/blob"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// A backup archive is one age-encrypted tar file:
//
//	database/kasuhara.db        a consistent SQLite snapshot, or
//	database/postgres.dump      pg_dump's custom format
//	evidence/ab/ab12…ef         each evidence file as stored (ciphertext)
//	manifest.json               the SHA-256 and size of every entry above
//
// The manifest comes last because the hashes are taken as the entries are
// written; restore and verify compare every entry with it. The evidence key
// is not in it: kasuhara backup key writes it to a file of its own.
const (
	archiveFormat   = 1
	manifestName    = "manifest.json"
	sqliteEntry     = "database/kasuhara.db"
	postgresEntry   = "database/postgres.dump"
	evidencePrefix  = "evidence/"
	keysArchiveKind = "kasuhara-keys"
	minPassphrase   = 12
)

type manifest struct {
	Format  int             `json:"format"`
	Kind    string          `json:"kind"` // "kasuhara-backup" or keysArchiveKind
	Created time.Time       `json:"created"`
	Version string          `json:"version"`
	Engine  string          `json:"engine,omitempty"`
	Entries []manifestEntry `json:"entries"`
	// Purged are files the database snapshot refers to that were removed
	// (their case purged) before they were copied.
	Purged []string `json:"purged,omitempty"`
}

type manifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// archiveKeys are the flags that say how an archive is encrypted or
// decrypted.
type archiveKeys struct {
	passphrase, recipient, identity string
}

func (k *archiveKeys) register(fs *flag.FlagSet, getenv func(string) string, decrypt bool) {
	fs.StringVar(&k.passphrase, "passphrase", getenv("KASUHARA_BACKUP_PASSPHRASE"), "passphrase of the archive, at least 12 characters (env KASUHARA_BACKUP_PASSPHRASE)")
	if decrypt {
		fs.StringVar(&k.identity, "identity", "", "file holding the age identity (AGE-SECRET-KEY-1…) whose recipient the archive was encrypted to")
	} else {
		fs.StringVar(&k.recipient, "recipient", "", "age recipient (age1…) to encrypt the archive to, instead of a passphrase")
	}
}

func (k *archiveKeys) recipients(cmd string) ([]age.Recipient, error) {
	switch {
	case k.passphrase != "" && k.recipient != "":
		return nil, usagef("%s: give --passphrase or --recipient, not both", cmd)
	case k.recipient != "":
		r, err := age.ParseX25519Recipient(strings.TrimSpace(k.recipient))
		if err != nil {
			return nil, usagef("%s: --recipient: not an age recipient (age1…): %v", cmd, err)
		}
		return []age.Recipient{r}, nil
	case k.passphrase != "":
		if len([]rune(k.passphrase)) < minPassphrase {
			return nil, usagef("%s: --passphrase: at least %d characters", cmd, minPassphrase)
		}
		r, err := age.NewScryptRecipient(k.passphrase)
		if err != nil {
			return nil, err
		}
		return []age.Recipient{r}, nil
	}
	return nil, nil
}

func (k *archiveKeys) identities(cmd string) ([]age.Identity, error) {
	var ids []age.Identity
	if k.identity != "" {
		f, err := os.Open(k.identity)
		if err != nil {
			return nil, usagef("%s: --identity: %v", cmd, err)
		}
		defer f.Close()
		parsed, err := age.ParseIdentities(f)
		if err != nil {
			return nil, usagef("%s: --identity: %v", cmd, err)
		}
		ids = append(ids, parsed...)
	}
	if k.passphrase != "" {
		id, err := age.NewScryptIdentity(k.passphrase)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, usagef("%s: give --passphrase (or KASUHARA_BACKUP_PASSPHRASE) or --identity FILE to decrypt the archive", cmd)
	}
	return ids, nil
}

// parseArchiveFile parses the flags of a command that reads one encrypted
// archive (backup verify, restore, restore key): set's configuration, the
// keys that decrypt, and FILE, the only argument. flags is the usage line's
// part before FILE.
func parseArchiveFile(e env, name string, set config.Set, args []string, flags string, own func(*flag.FlagSet)) (*config.Config, string, []age.Identity, error) {
	var keys archiveKeys
	cfg, fs, err := parseFlags(e, name, set, args, func(fs *flag.FlagSet) {
		keys.register(fs, e.getenv, true)
		if own != nil {
			own(fs)
		}
	}, true)
	if err != nil {
		return nil, "", nil, err
	}
	if fs.NArg() != 1 {
		return nil, "", nil, usagef("%s: usage: kasuhara %s %s FILE", name, name, flags)
	}
	ids, err := keys.identities(name)
	if err != nil {
		return nil, "", nil, err
	}
	return cfg, fs.Arg(0), ids, nil
}

// backup is kasuhara backup: the whole installation in one encrypted
// archive; backup verify, which checks one; backup key, which writes the
// keys apart. Without --passphrase or --recipient, backup FILE writes a
// plain copy of the SQLite database, as it always did (the contract's
// command), with a warning on stderr that it is unencrypted and holds
// no evidence.
func backup(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "verify" {
		return backupVerify(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "key" {
		return backupKey(ctx, e, args[1:])
	}
	var mark bool
	var keys archiveKeys
	cfg, fs, err := parseFlags(e, "backup", config.Storage, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&mark, "mark", false, "record that a backup was taken now by other means (pg_dump), writing none")
		keys.register(fs, e.getenv, false)
	}, true)
	if err != nil {
		return err
	}
	if mark != (fs.NArg() == 0) || fs.NArg() > 1 {
		return usagef("backup: usage: kasuhara backup [--passphrase P | --recipient AGE] FILE, backup verify FILE, backup key FILE, or backup --mark after a pg_dump")
	}
	recips, err := keys.recipients("backup")
	if err != nil {
		return err
	}
	db, st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if mark {
		if err := st.RecordBackup(ctx, store.BackupExternal); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Recorded a backup taken now.")
		return nil
	}
	out := fs.Arg(0)
	if recips == nil {
		if db.Engine != sqldb.SQLite {
			return usagef("backup: the database is PostgreSQL: give --passphrase or --recipient for a complete archive (pg_dump must be installed), or back it up with pg_dump and record it with kasuhara backup --mark (see docs/operations.md)")
		}
		if err := db.Backup(ctx, out); err != nil {
			return err
		}
		if err := st.RecordBackup(ctx, store.BackupCopy); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Wrote a consistent copy of the database to %s.\n"+
			"It holds the database only: for the evidence files too, give --passphrase or --recipient; the evidence key is backed up with kasuhara backup key.\n", out)
		// Kept for the scripts written before the archive (the contract's
		// kasuhara backup FILE), and said plainly where a script's mail or
		// log shows it.
		fmt.Fprintf(e.stderr, "kasuhara: warning: %s is NOT encrypted and holds the database only: no evidence files, no keys. "+
			"It cannot restore the evidence. Give --passphrase (or KASUHARA_BACKUP_PASSPHRASE) or --recipient for the encrypted archive of the database and the evidence files (docs/operations.md).\n", out)
		return nil
	}
	blobs, err := blob.OpenStorage(ctx, cfg.Data, blobOptions(cfg, cfg.Blob))
	if err != nil {
		return fmt.Errorf("evidence store: %w", err)
	}
	defer blobs.Close()
	m, err := writeArchive(ctx, cfg, db, st, blobs, out, recips)
	if err != nil {
		return err
	}
	if err := st.RecordBackup(ctx, store.BackupCopy); err != nil {
		return err
	}
	files := len(m.Entries) - 1
	fmt.Fprintf(e.stdout, "Wrote %s: the database and %d evidence files, with a manifest of their SHA-256 hashes, encrypted.\n", out, files)
	if len(m.Purged) > 0 {
		fmt.Fprintf(e.stdout, "%d files were purged with their cases while the backup ran; the archive records them as purged.\n", len(m.Purged))
	}
	fmt.Fprintln(e.stdout, "The evidence key is not in it: back it up apart, once and after each key rotation, with kasuhara backup key FILE.")
	return nil
}

// createOut creates the archive file, refusing to replace one.
func createOut(out string) (*os.File, error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("backup: %s exists; choose a new file name", out)
	}
	return f, err
}

// hashingWriter counts and hashes what passes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newHashingWriter(w io.Writer) *hashingWriter { return &hashingWriter{w: w, h: sha256.New()} }

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashingWriter) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

func writeArchive(ctx context.Context, cfg *config.Config, db *sqldb.DB, st *store.Store, blobs *blob.Store, out string, recips []age.Recipient) (_ *manifest, err error) {
	f, err := createOut(out)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(out)
		}
	}()
	enc, err := age.Encrypt(f, recips...)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(enc)
	m := &manifest{Format: archiveFormat, Kind: "kasuhara-backup", Created: time.Now().UTC(), Version: buildVersion(), Engine: string(db.Engine)}
	add := func(name string, size int64, r io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		hw := newHashingWriter(tw)
		if _, err := io.Copy(hw, r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if hw.n != size {
			return fmt.Errorf("%s: %d bytes read, %d expected", name, hw.n, size)
		}
		m.Entries = append(m.Entries, manifestEntry{Name: name, Size: size, SHA256: hw.sum()})
		return nil
	}

	// The database first, and the list of files from the same moment.
	tmp, err := os.MkdirTemp(cfg.Data, "backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var files []store.StoredFile
	var dump, entry string
	if db.Engine == sqldb.SQLite {
		dump, entry = filepath.Join(tmp, sqldb.SQLiteFile), sqliteEntry
		if err := db.Backup(ctx, dump); err != nil {
			return nil, err
		}
		snap, err := sqldb.Open(ctx, "", tmp)
		if err != nil {
			return nil, err
		}
		files, err = store.New(snap).StoredFiles(ctx)
		snap.Close()
		if err != nil {
			return nil, err
		}
		// The snapshot's own journal files must not outlive it.
		os.Remove(dump + "-wal")
		os.Remove(dump + "-shm")
	} else {
		dump, entry = filepath.Join(tmp, "postgres.dump"), postgresEntry
		// pg_dump takes the snapshot that a transaction exported and holds,
		// and the files are listed in that same snapshot: a case the purge
		// removes meanwhile is in the dump and its file in the list, copied
		// or recorded as purged, never missed.
		files, err = st.StoredFilesInSnapshot(ctx, func(snapshot string) error {
			if err := pgDump(ctx, cfg.Database, snapshot, dump); err != nil {
				return err
			}
			if afterDatabaseDump != nil {
				afterDatabaseDump()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	df, err := os.Open(dump)
	if err != nil {
		return nil, err
	}
	info, err := df.Stat()
	if err == nil {
		err = add(entry, info.Size(), df)
	}
	df.Close()
	if err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}

	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, size, err := blobs.OpenStored(ctx, file.BlobID)
		if errors.Is(err, blob.ErrNotFound) {
			if ok, err2 := st.StoredFileExists(ctx, file.BlobID); err2 == nil && !ok {
				m.Purged = append(m.Purged, file.BlobID)
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		err = add(evidencePrefix+file.BlobID[:2]+"/"+file.BlobID, size, r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		if afterBlobFile != nil {
			afterBlobFile()
		}
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mj)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(mj); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return m, f.Close()
}

// afterDatabaseDump, when set (by tests), runs once the database is dumped,
// before the files are copied.
var afterDatabaseDump func()

// pgDump runs PostgreSQL's own pg_dump (custom format) into path, in the
// exported snapshot.
func pgDump(ctx context.Context, url, snapshot, path string) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("backup: pg_dump is not installed, so the PostgreSQL database cannot be backed up by this command: " +
			"install PostgreSQL's client programs (Debian, Ubuntu: apt install postgresql-client) in the server's major version, or take the dump yourself and record it with kasuhara backup --mark")
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges", "--snapshot", snapshot, "--file", path, "--dbname", url)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// readArchive decrypts the archive in file and calls fn with each entry
// but the manifest, hashing each as fn reads it (fn must read it to the
// end); then compares every entry with the manifest. An entry that differs
// from the manifest, is missing or is not in it, and an archive that fails
// to decrypt, are errors that name the entry.
func readArchive(file string, ids []age.Identity, fn func(name string, r io.Reader) error) (*manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec, err := age.Decrypt(f, ids...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("%s: the passphrase or identity does not open this archive", file)
		}
		return nil, fmt.Errorf("%s is not a Kasuhara backup archive or is damaged at its start: %w", file, err)
	}
	tr := tar.NewReader(dec)
	type got struct {
		size int64
		sum  string
	}
	seen := map[string]got{}
	var order []string
	var m *manifest
	last := "(the start)"
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s is damaged after %s: %w", file, last, err)
		}
		name := path.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || name != h.Name || strings.HasPrefix(name, "../") || strings.HasPrefix(name, "/") {
			return nil, fmt.Errorf("%s holds an unexpected entry %q", file, h.Name)
		}
		if _, dup := seen[name]; dup || m != nil {
			return nil, fmt.Errorf("%s holds %s twice or after its manifest", file, name)
		}
		last = name
		if name == manifestName {
			m = &manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<30)).Decode(m); err != nil {
				return nil, fmt.Errorf("%s: %s is damaged: %w", file, manifestName, err)
			}
			continue
		}
		hr := &hashingReader{r: tr, h: sha256.New()}
		if err := fn(name, hr); err != nil {
			if hr.err != nil {
				return nil, fmt.Errorf("%s is damaged in %s: %w", file, name, hr.err)
			}
			return nil, fmt.Errorf("%s: %s: %w", file, name, err)
		}
		if _, err := io.Copy(io.Discard, hr); err != nil {
			return nil, fmt.Errorf("%s is damaged in %s: %w", file, name, err)
		}
		seen[name] = got{hr.n, hex.EncodeToString(hr.h.Sum(nil))}
		order = append(order, name)
	}
	if m == nil {
		return nil, fmt.Errorf("%s has no %s: it is cut short or not a Kasuhara backup archive", file, manifestName)
	}
	if m.Format != archiveFormat {
		return nil, fmt.Errorf("%s is of format %d; this kasuhara reads format %d", file, m.Format, archiveFormat)
	}
	listed := map[string]bool{}
	for _, en := range m.Entries {
		listed[en.Name] = true
		g, ok := seen[en.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: %s is listed in the manifest but missing", file, en.Name)
		case g.size != en.Size || g.sum != en.SHA256:
			return nil, fmt.Errorf("%s: %s does not match the manifest (SHA-256 %s, recorded %s)", file, en.Name, g.sum, en.SHA256)
		}
	}
	for _, name := range order {
		if !listed[name] {
			return nil, fmt.Errorf("%s: %s is not in the manifest", file, name)
		}
	}
	return m, nil
}

type hashingReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error // the first failure to read the archive
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if err != nil && err != io.EOF && h.err == nil {
		h.err = err
	}
	return n, err
}

// backupVerify checks an archive without restoring it: it decrypts it,
// compares every entry with the manifest and verifies the audit trail of
// the database in it: a SQLite database in a temporary directory; a
// PostgreSQL dump only when --scratch-database names an empty database to
// load it into (emptied again afterwards), and otherwise it says plainly
// that the trail was not verified.
func backupVerify(ctx context.Context, e env, args []string) error {
	var scratch string
	_, file, ids, err := parseArchiveFile(e, "backup verify", 0, args, "[--passphrase P | --identity FILE] [--scratch-database URL]", func(fs *flag.FlagSet) {
		fs.StringVar(&scratch, "scratch-database", "", "URL of an empty PostgreSQL database to load a PostgreSQL archive's dump into and verify its audit trail; emptied again afterwards")
	})
	if err != nil {
		return err
	}
	if scratch != "" {
		if n, err := pgTables(ctx, scratch); err != nil {
			return usagef("backup verify: --scratch-database: %v", err)
		} else if n > 0 {
			return usagef("backup verify: --scratch-database holds %d tables: give an empty database (createdb), never the installation's own", n)
		}
	}
	tmp, err := os.MkdirTemp("", "kasuhara-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m, err := readArchive(file, ids, func(name string, r io.Reader) error {
		if name != sqliteEntry && (name != postgresEntry || scratch == "") {
			return nil
		}
		return writeFile(filepath.Join(tmp, path.Base(name)), r)
	})
	if err != nil {
		return err
	}
	chain := "the database is a PostgreSQL dump: its audit trail was not verified (give --scratch-database with the URL of an empty database to verify it; kasuhara restore verifies it)"
	switch {
	case m.Engine == string(sqldb.SQLite):
		n, err := verifyAuditIn(ctx, tmp, "")
		if err != nil {
			return fmt.Errorf("%s: %s: %w", file, sqliteEntry, err)
		}
		chain = fmt.Sprintf("the audit trail in its database is intact (%d entries)", n)
	case scratch != "":
		n, err := verifyDumpAudit(ctx, scratch, filepath.Join(tmp, path.Base(postgresEntry)))
		if err != nil {
			return fmt.Errorf("%s: %s: %w", file, postgresEntry, err)
		}
		chain = fmt.Sprintf("the audit trail in its database is intact (%d entries, loaded into the scratch database and removed again)", n)
	}
	fmt.Fprintf(e.stdout, "%s is intact: written %s by kasuhara %s; every one of its %d entries matches its manifest; %s.\n",
		file, m.Created.Format(time.RFC3339), m.Version, len(m.Entries), chain)
	return nil
}

// verifyDumpAudit loads a pg_dump file into the empty database at url,
// verifies the audit trail there, and empties the database again (it held
// a copy of every case).
func verifyDumpAudit(ctx context.Context, url, dump string) (n int64, err error) {
	defer func() {
		if cerr := emptyScratch(context.WithoutCancel(ctx), url); cerr != nil {
			err = errors.Join(err, fmt.Errorf("the scratch database could not be emptied: drop it: %w", cerr))
		}
	}()
	if err := pgRestore(ctx, url, dump); err != nil {
		return 0, err
	}
	return verifyAuditIn(ctx, "", url)
}

// emptyScratch drops what a pg_restore put into the public schema of the
// scratch database at url.
func emptyScratch(ctx context.Context, url string) error {
	db, err := sqldb.Open(ctx, url, "")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Read.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
	return err
}

func writeFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// verifyAuditIn verifies the audit trail of the database in dataDir (or at
// url), without migrating it.
func verifyAuditIn(ctx context.Context, dataDir, url string) (int64, error) {
	db, err := sqldb.Open(ctx, url, dataDir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, problem, err := store.New(db).VerifyAudit(ctx)
	if err != nil {
		return 0, err
	}
	if problem != nil {
		return 0, fmt.Errorf("the audit trail does not verify: entry %d: %s", problem.Seq, problem.Reason)
	}
	return n, nil
}

// backupKey writes the keys of the data directory — the evidence key (and
// the previous one while a rotation runs) and the key that signs the audit
// trail's head — to FILE, encrypted.
func backupKey(ctx context.Context, e env, args []string) error {
	var keys archiveKeys
	cfg, fs, err := parseFlags(e, "backup key", config.Storage, args, func(fs *flag.FlagSet) { keys.register(fs, e.getenv, false) }, true)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup key: usage: kasuhara backup key [--passphrase P | --recipient AGE] FILE")
	}
	recips, err := keys.recipients("backup key")
	if err != nil {
		return err
	}
	if recips == nil {
		return usagef("backup key: give --passphrase (or KASUHARA_BACKUP_PASSPHRASE) or --recipient: the keys are never written in the clear")
	}
	keysDir := filepath.Join(cfg.Data, "keys")
	entries, err := os.ReadDir(keysDir)
	if errors.Is(err, os.ErrNotExist) {
		return usagef("backup key: %s does not exist: check --data (the keys are made when kasuhara serve first starts)", keysDir)
	} else if err != nil {
		return fmt.Errorf("backup key: %w", err)
	}
	out := fs.Arg(0)
	f, err := createOut(out)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(out)
		}
	}()
	enc, err := age.Encrypt(f, recips...)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(enc)
	m := manifest{Format: archiveFormat, Kind: keysArchiveKind, Created: time.Now().UTC(), Version: buildVersion()}
	var names []string
	for _, en := range entries {
		if !en.Type().IsRegular() || strings.Contains(en.Name(), ".tmp-") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(keysDir, en.Name()))
		if err != nil {
			return fmt.Errorf("backup key: %w", err)
		}
		name := "keys/" + en.Name()
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m.Entries = append(m.Entries, manifestEntry{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
		names = append(names, en.Name())
	}
	if len(names) == 0 {
		return fmt.Errorf("backup key: %s holds no keys (check --data)", keysDir)
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mj)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(mj); err != nil {
		return err
	}
	if err := errors.Join(tw.Close(), enc.Close(), f.Sync(), f.Close()); err != nil {
		return err
	}
	ok = true
	fmt.Fprintf(e.stdout, "Wrote the keys of %s (%s), encrypted, to %s.\n"+
		"Keep this file apart from the backup archives (another place, another person): whoever has both can read the evidence. "+
		"Without it the evidence files in a backup cannot be decrypted. Write a new one after each key rotation.\n",
		keysDir, strings.Join(names, ", "), out)
	return nil
}
