package blob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"sync"
	"time"

	"filippo.io/age"
)

// keyring holds the key that new files are encrypted to and, while a key
// rotation runs, the previous key, with which files not yet re-encrypted are
// still read. It notices when another process (kasuhara key rotate) puts a
// new key in place: every use compares the key files' size and time with
// those it loaded.
type keyring struct {
	dir   string
	mu    sync.Mutex
	stamp [2]fileStamp
	cur   *age.X25519Identity
	old   *age.X25519Identity // nil when no rotation runs
}

type fileStamp struct {
	ok   bool
	size int64
	mod  time.Time
}

func stampOf(root *os.Root, name string) fileStamp {
	info, err := root.Stat(name)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{ok: true, size: info.Size(), mod: info.ModTime()}
}

func openKeyring(ctx context.Context, dir string, be backend) (*keyring, error) {
	if _, err := loadOrCreateKey(ctx, dir, be); err != nil {
		return nil, err
	}
	k := &keyring{dir: dir}
	if err := k.load(); err != nil {
		return nil, err
	}
	return k, nil
}

// load reads both key files when either changed since the last load.
func (k *keyring) load() error {
	root, err := os.OpenRoot(k.dir)
	if err != nil {
		return err
	}
	defer root.Close()
	stamp := [2]fileStamp{stampOf(root, keyFileName), stampOf(root, oldKeyFileName)}
	if k.cur != nil && stamp == k.stamp {
		return nil
	}
	cur, err := readKey(root, keyFileName)
	if err != nil {
		return errors.New("key file " + keyFileName + ": " + err.Error())
	}
	old, err := readKey(root, oldKeyFileName)
	if errors.Is(err, fs.ErrNotExist) {
		old = nil
	} else if err != nil {
		return errors.New("key file " + oldKeyFileName + ": " + err.Error())
	}
	k.cur, k.old, k.stamp = cur, old, stamp
	return nil
}

// refresh reloads changed keys; a key file that cannot be read meanwhile
// leaves the keys loaded before in use.
func (k *keyring) refresh() {
	k.mu.Lock()
	defer k.mu.Unlock()
	_ = k.load()
}

func (k *keyring) recipient() age.Recipient {
	k.refresh()
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cur.Recipient()
}

func (k *keyring) current() *age.X25519Identity {
	k.refresh()
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cur
}

func (k *keyring) identities() []age.Identity {
	k.refresh()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.old != nil {
		return []age.Identity{k.cur, k.old}
	}
	return []age.Identity{k.cur}
}
