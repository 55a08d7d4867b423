// Package credential hashes and generates secrets: argon2id password hashes,
// random one-time passwords, API tokens and session-id digests.
package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. They are stored in every hash, so they can
// be raised later without invalidating existing passwords.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultParams follow the OWASP recommendation for argon2id (m=19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// HashPassword returns an encoded argon2id hash of password in the PHC string
// format: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("credential: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// ErrMalformedHash is returned for a stored hash that cannot be parsed.
var ErrMalformedHash = errors.New("credential: malformed password hash")

// CheckPassword reports whether password matches the encoded hash.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformedHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformedHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformedHash
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return false, ErrMalformedHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// passwordAlphabet leaves out characters that are easily confused when read
// aloud or copied from a screen (0/O, 1/l/I).
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a random password of 4 groups of 5 characters
// joined by hyphens (about 116 bits).
func GeneratePassword() string {
	var b strings.Builder
	for i := range 20 {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[randIntn(len(passwordAlphabet))])
	}
	return b.String()
}

func randIntn(n int) int {
	// Rejection sampling keeps the distribution uniform.
	max := 256 - 256%n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(fmt.Sprintf("credential: random: %v", err))
		}
		if int(buf[0]) < max {
			return int(buf[0]) % n
		}
	}
}

// TokenPrefix starts every API token so that secret scanners can find leaked ones.
const TokenPrefix = "ksh_"

// NewToken returns a new API token secret: the prefix and 256 random bits.
func NewToken() string {
	return newSecret(TokenPrefix)
}

// CalendarTokenPrefix starts the secret of a calendar feed's address.
const CalendarTokenPrefix = "kcal_"

// NewCalendarToken returns a new secret for a calendar feed's address: the
// prefix and 256 random bits, in base64url (safe in a URL's path).
func NewCalendarToken() string {
	return newSecret(CalendarTokenPrefix)
}

// newSecret is prefix and 256 random bits in base64url.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("credential: random: %v", err))
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Digest returns the hex SHA-256 of a high-entropy secret (an API token or a
// session id). Such secrets need no slow hash: guessing one is as hard as
// guessing the 256-bit value itself.
func Digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// receiptAlphabet is upper case without 0/O and 1/I: a receipt is read off
// paper or a screen and typed on a phone.
const receiptAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Receipt lengths: a public lookup part and a secret part (80 bits).
const (
	receiptLookupLen = 8
	receiptSecretLen = 16
)

// NewReceipt returns a new receipt for an anonymous report: the lookup
// part (stored as is, to find the case), the secret part (stored only as
// ReceiptDigest) and the receipt as shown, in groups of four.
func NewReceipt() (lookup, secret, display string) {
	var b strings.Builder
	for range receiptLookupLen + receiptSecretLen {
		b.WriteByte(receiptAlphabet[randIntn(len(receiptAlphabet))])
	}
	raw := b.String()
	return raw[:receiptLookupLen], raw[receiptLookupLen:], groupReceipt(raw)
}

// receiptDigestPrefix marks a receipt hash made by ReceiptDigest; a hash
// without it is an argon2id hash of the secret (HashPassword), made before.
const receiptDigestPrefix = "sha256$"

// ReceiptDigest is how a receipt is kept: the SHA-256 of the secret part,
// bound to its lookup part. The secret is 80 random bits, so, as for API
// tokens (Digest), a slow hash adds nothing against guessing: trying 2^79
// SHA-256 values is out of reach, and a check costs microseconds instead of
// argon2id's tens of milliseconds (issue 21: an anonymous status check).
func ReceiptDigest(lookup, secret string) string {
	sum := sha256.Sum256([]byte("kasuhara receipt\x00" + lookup + "\x00" + secret))
	return receiptDigestPrefix + hex.EncodeToString(sum[:])
}

// CheckReceipt reports whether secret is the secret part of the receipt
// whose lookup part is lookup and whose kept hash is hash, in constant
// time for a digest. rehash is true when hash is an argon2id hash from an
// earlier release that matched: the caller should keep ReceiptDigest
// instead.
func CheckReceipt(hash, lookup, secret string) (ok, rehash bool) {
	if strings.HasPrefix(hash, receiptDigestPrefix) {
		return subtle.ConstantTimeCompare([]byte(hash), []byte(ReceiptDigest(lookup, secret))) == 1, false
	}
	ok, err := CheckPassword(hash, secret)
	return ok && err == nil, ok && err == nil
}

// FormatReceipt writes the characters of a receipt (lookup then secret, as
// ParseReceipt returns them) as a receipt is shown: groups of four joined
// by hyphens.
func FormatReceipt(raw string) string { return groupReceipt(raw) }

func groupReceipt(raw string) string {
	var g []string
	for i := 0; i < len(raw); i += 4 {
		g = append(g, raw[i:min(i+4, len(raw))])
	}
	return strings.Join(g, "-")
}

// ParseReceipt reads a receipt as a person typed it: any case, with or
// without hyphens and spaces, full-width characters folded. ok is false for
// anything that cannot be a receipt.
func ParseReceipt(input string) (lookup, secret string, ok bool) {
	var b strings.Builder
	for _, r := range input {
		if r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' || r >= '０' && r <= '９' {
			r -= 0xFEE0 // full-width to ASCII
		}
		switch {
		case r == '-' || r == ' ' || r == '　' || r == 'ー' || r == '－':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if !strings.ContainsRune(receiptAlphabet, r) {
			return "", "", false
		}
		b.WriteRune(r)
	}
	raw := b.String()
	if len(raw) != receiptLookupLen+receiptSecretLen {
		return "", "", false
	}
	return raw[:receiptLookupLen], raw[receiptLookupLen:], true
}
