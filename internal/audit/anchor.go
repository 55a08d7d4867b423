package audit

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// AnchorKeyFile is where the key that signs the chain's head lives, under
// the data directory: beside the evidence key, never in the database, so
// that a backup of the database does not carry it and someone who rewrites
// the database cannot sign a new head.
const AnchorKeyFile = "keys/audit-anchor.key"

// LoadAnchorKey reads the ed25519 key of the data directory, creating it
// (0600 in a 0700 directory) on first use when create is true. A key that
// group or others may read is refused.
func LoadAnchorKey(dataDir string, create bool) (ed25519.PrivateKey, error) {
	path := filepath.Join(dataDir, AnchorKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("audit: anchor key: %w", err)
		}
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("audit: anchor key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit: anchor key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(key.Seed()) + "\n")
		if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("audit: anchor key: %w", err)
		}
		return key, nil
	} else if err != nil {
		return nil, fmt.Errorf("audit: anchor key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit: anchor key %s is accessible to group or others (mode %v): chmod 600 it", path, info.Mode().Perm())
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit: anchor key %s is not an ed25519 seed in hex", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Anchor is the chain's head at a time, signed: kept outside the database,
// it shows later whether the chain was cut short or rewritten.
type Anchor struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	PublicKey string    `json:"public_key"` // hex
	Signature string    `json:"signature"`  // hex ed25519 over signed()
}

func (a Anchor) signed() []byte {
	return []byte("kasuhara-anchor-v1;" + strconv.FormatInt(a.Seq, 10) + ";" + a.Hash + ";" + Normalize(a.At).Format(TimeFormat))
}

// SignAnchor signs the head (seq, hash) at time at.
func SignAnchor(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Anchor {
	a := Anchor{Seq: seq, Hash: hash, At: Normalize(at), PublicKey: hex.EncodeToString(key.Public().(ed25519.PublicKey))}
	a.Signature = hex.EncodeToString(ed25519.Sign(key, a.signed()))
	return a
}

// Check verifies a's signature by pub, the public half of the data
// directory's key (nil: the key the anchor names, which shows only that
// the anchor is whole, not who made it).
func (a Anchor) Check(pub ed25519.PublicKey) error {
	named, err := hex.DecodeString(a.PublicKey)
	if err != nil || len(named) != ed25519.PublicKeySize {
		return errors.New("the anchor's public key is malformed")
	}
	if pub != nil && !pub.Equal(ed25519.PublicKey(named)) {
		return errors.New("the anchor was signed by another key than this data directory's")
	}
	sig, err := hex.DecodeString(a.Signature)
	if err != nil || !ed25519.Verify(named, a.signed(), sig) {
		return errors.New("the anchor's signature does not verify: it was altered")
	}
	return nil
}

// Line is a as one line of JSON, as anchor files hold them.
func (a Anchor) Line() []byte {
	b, _ := json.Marshal(a)
	return append(b, '\n')
}

// ReadAnchors reads a file of anchors, one JSON line each, oldest first.
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var a Anchor
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, fmt.Errorf("anchor line %d: %w", n, err)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// AppendAnchor appends a to the file at path (created 0600), synced.
func AppendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	_, err = f.Write(a.Line())
	if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	return nil
}
