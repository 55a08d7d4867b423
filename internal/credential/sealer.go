package credential

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretsKeyFile is where, under the data directory, the key that seals
// secrets kept in the database (chat webhook addresses) lives. Like the
// evidence key it is not in the database nor in its backup: back it up
// with the data.
const SecretsKeyFile = "keys/secrets.key"

// Sealer seals short secrets (a webhook URL with its token) for a database
// column with AES-256-GCM. The associated data ties a sealed value to its
// row, so that a value copied to another row does not open.
type Sealer struct {
	aead cipher.AEAD
}

// ErrUnseal is the error of a sealed value that does not open: another key,
// another row, or changed bytes.
var ErrUnseal = errors.New("credential: sealed value does not open with this key")

// NewSealer returns a Sealer with key, 32 bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("credential: sealer key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// NewRandomSealer returns a Sealer with a fresh random key (tests).
func NewRandomSealer() *Sealer {
	key := make([]byte, 32)
	rand.Read(key)
	s, _ := NewSealer(key)
	return s
}

// LoadSealer reads the key of SecretsKeyFile under dataDir, making it on
// the first start, and refuses a key file that group or others may read.
func LoadSealer(dataDir string) (*Sealer, error) {
	path := filepath.Join(dataDir, SecretsKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("credential: secrets key: %w", err)
		}
		key := make([]byte, 32)
		rand.Read(key)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("credential: secrets key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(key) + "\n")
		if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("credential: secrets key: %w", err)
		}
		return NewSealer(key)
	} else if err != nil {
		return nil, fmt.Errorf("credential: secrets key: %w", err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("credential: secrets key %s is accessible to group or others (mode %v): chmod 600 it", path, info.Mode().Perm())
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("credential: secrets key %s is not 32 bytes in hex", path)
	}
	return NewSealer(key)
}

// Seal encrypts plain for the row ad: "v1:" and the nonce and ciphertext in
// base64url.
func (s *Sealer) Seal(plain, ad string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return "v1:" + base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(ad)))
}

// Open decrypts what Seal made for the row ad.
func (s *Sealer) Open(sealed, ad string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", ErrUnseal
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrUnseal
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(ad))
	if err != nil {
		return "", ErrUnseal
	}
	return string(plain), nil
}
