package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// localBackend keeps each object as a file under a directory, sharded by
// the id's first two hex digits, written to tmp/ and renamed into place.
// Every path is resolved through an [os.Root].
type localBackend struct {
	root *os.Root
}

func openLocal(dir string) (*localBackend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	b := &localBackend{root: root}
	if err := root.Mkdir(tmpDirName, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		root.Close()
		return nil, err
	}
	if err := b.removeStaleTemps(time.Now()); err != nil {
		root.Close()
		return nil, err
	}
	return b, nil
}

func (b *localBackend) location() string { return b.root.Name() }

func (b *localBackend) close() error { return b.root.Close() }

func (b *localBackend) ping(context.Context) error {
	_, err := b.root.Stat(tmpDirName)
	return err
}

// removeStaleTemps deletes uploads that a crashed process left behind.
func (b *localBackend) removeStaleTemps(now time.Time) error {
	entries, err := fs.ReadDir(b.root.FS(), tmpDirName)
	if err != nil {
		return fmt.Errorf("list %s: %w", tmpDirName, err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if now.Sub(info.ModTime()) < staleTemp {
			continue
		}
		if err := b.root.Remove(tmpDirName + "/" + e.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove stale upload: %w", err)
		}
	}
	return nil
}

func (b *localBackend) create(_ context.Context, id string) (objectWriter, error) {
	// A random suffix: two writers of the same id (a re-encryption and a
	// migration) never share a temporary file.
	suffix, err := newID()
	if err != nil {
		return nil, err
	}
	tmp := tmpDirName + "/" + id + "." + suffix
	f, err := b.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	return &localWriter{b: b, f: f, tmp: tmp, id: id}, nil
}

type localWriter struct {
	b       *localBackend
	f       *os.File
	tmp, id string
	done    bool
}

func (w *localWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *localWriter) commit() (err error) {
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	shard := w.id[:2]
	if err := w.b.root.Mkdir(shard, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create shard directory: %w", err)
	}
	if err := w.b.root.Rename(w.tmp, shard+"/"+w.id); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	w.done = true
	if err := w.b.syncDir(shard); err != nil {
		// The object is in place; only its durability across a power cut
		// is uncertain, so remove it rather than report one that may vanish.
		w.b.root.Remove(shard + "/" + w.id)
		return err
	}
	return nil
}

func (w *localWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	w.b.root.Remove(w.tmp)
}

type localObject struct {
	*os.File
	n int64
}

func (o localObject) size() int64 { return o.n }

func (b *localBackend) open(_ context.Context, id string) (object, error) {
	f, err := b.root.Open(id[:2] + "/" + id)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return localObject{File: f, n: info.Size()}, nil
}

func (b *localBackend) stream(_ context.Context, id string) (io.ReadCloser, error) {
	return b.root.Open(id[:2] + "/" + id)
}

// remove overwrites the stored (encrypted) bytes with zeros, fsyncs, removes
// the file and fsyncs the directory.
//
// On copy-on-write file systems (btrfs, ZFS) and SSDs the old blocks may
// survive the overwrite; they hold only ciphertext, and the age header that
// carries the file key is overwritten first.
func (b *localBackend) remove(_ context.Context, id string) error {
	name := id[:2] + "/" + id
	f, err := b.root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := overwrite(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := b.root.Remove(name); err != nil {
		return err
	}
	return b.syncDir(id[:2])
}

// overwrite replaces every byte of f with zeros and fsyncs it.
func overwrite(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, copyBufSize)
	for off := int64(0); off < info.Size(); {
		n := int(min(int64(len(zeros)), info.Size()-off))
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return fmt.Errorf("overwrite: %w", err)
		}
		off += int64(n)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

func (b *localBackend) list(ctx context.Context, fn func(id string) error) error {
	fsys := b.root.FS()
	shards, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("list evidence: %w", err)
	}
	for _, shard := range shards {
		if !shard.IsDir() || shard.Name() == tmpDirName {
			continue
		}
		entries, err := fs.ReadDir(fsys, shard.Name())
		if err != nil {
			return fmt.Errorf("list evidence: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !validID(e.Name()) || e.Name()[:2] != shard.Name() {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(e.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

// syncDir fsyncs a directory so that a rename or removal in it survives a
// power cut.
func (b *localBackend) syncDir(name string) error {
	d, err := b.root.Open(name)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
