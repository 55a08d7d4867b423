package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/kasuhara/kasuhara"
)

// Submit once (issue 18). A form that creates something carries an
// idempotency key made when the form is drawn (the hidden field
// idempotency_key); the API takes the same key in the Idempotency-Key
// header. The first request with a key files; a repeat (two taps, Back and
// submit, a reload of the receipt page) answers the first result. The
// store keeps a digest of the key, never the key.

// idempotencyField is the form field, and the field an error names.
const idempotencyField = "idempotency_key"

// newIdempotencyKey returns a fresh key of 128 random bits.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// checkIdempotencyKey refuses a key that is too long to be a key.
func checkIdempotencyKey(key string) error {
	if len(key) > 200 {
		return kasuhara.InvalidField(idempotencyField, kasuhara.FieldTooLong)
	}
	return nil
}

// formDigest is the digest of a submitted form's content: every field but
// the key, in a fixed order, and the files' digests.
func formDigest(vals url.Values, files []kasuhara.Evidence) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		// A re-authentication's password or code is no part of the request.
		if k != idempotencyField && !strings.HasPrefix(k, "reauth_") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		for _, v := range vals[k] {
			h.Write([]byte(url.QueryEscape(k) + "=" + url.QueryEscape(v) + "&"))
		}
	}
	for _, f := range files {
		h.Write([]byte("file=" + f.SHA256 + "&"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// bytesDigest is the digest of a request body.
func bytesDigest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// receiptCipher is AES-GCM under a key derived from the idempotency key:
// the anonymous receipt kept for a repeat can be read only by who holds the
// form's key (the reporter's page), never from the database alone.
func receiptCipher(key string) cipher.AEAD {
	m := hmac.New(sha256.New, []byte("kasuhara idempotent receipt"))
	m.Write([]byte(key))
	block, _ := aes.NewCipher(m.Sum(nil))
	aead, _ := cipher.NewGCM(block)
	return aead
}

// sealReceipt encrypts the receipt with the idempotency key.
func sealReceipt(key, receipt string) string {
	aead := receiptCipher(key)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return "v1:" + hex.EncodeToString(aead.Seal(nonce, nonce, []byte(receipt), nil))
}

// openReceipt decrypts what sealReceipt returned.
func openReceipt(key, sealed string) (string, error) {
	raw, err := hex.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	aead := receiptCipher(key)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("web: malformed sealed receipt")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("web: sealed receipt does not open")
	}
	return string(plain), nil
}

// once runs file, which creates something and returns what identifies it,
// at most once for key in scope: a repeat returns the first result and
// true. Without a key (or without the service) file just runs.
func (s *Server) once(ctx context.Context, scope, key, digest string, file func() (string, error)) (string, bool, error) {
	if key == "" || s.Idempotency == nil {
		res, err := file()
		return res, false, err
	}
	if err := checkIdempotencyKey(key); err != nil {
		return "", false, err
	}
	res, done, err := s.Idempotency.BeginIdempotent(ctx, scope, key, digest)
	if err != nil || done {
		return res, done, err
	}
	res, err = file()
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if aerr := s.Idempotency.AbandonIdempotent(bg, scope, key); aerr != nil {
			s.Logger.Error("idempotency key not released", "err", aerr)
		}
		return "", false, err
	}
	if ferr := s.Idempotency.FinishIdempotent(bg, scope, key, res); ferr != nil {
		// The work is done; only a repeat would file again.
		s.Logger.Error("idempotency result not kept", "err", ferr)
	}
	return res, false, nil
}

// errNotCreated tells once that a form's handler answered without
// redirecting (it drew the form again with its problems): nothing to
// keep, the key is let go.
var errNotCreated = errors.New("web: the form was not taken")

// ownOnce are the forms whose handlers call once themselves; so do the
// case page's (caseAction), whose patterns start with "POST /cases/{id}/".
var ownOnce = map[string]bool{"POST /report": true, "POST /report/on-behalf": true, "POST /admin/users": true}

// onceForm makes every signed-in page's form that carries an idempotency
// key (the partial "oncekey") answer a repeat with the first answer (issue
// 18, submit once everywhere): two taps, Back and send, or a reload that
// sends the form again lead to the page the first one led to, and change
// nothing more. The key is kept in the scope of the user and the form's
// path with the digest of the form; the first request's redirect (its
// post/redirect/get) is the result. A form sent back with its problems
// keeps nothing; a key sent again with other content (Back, changed, sent)
// is a new submission. Multipart forms (files) and the API are left to
// their own handling.
func (s *Server) onceForm(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := viewerFrom(r.Context())
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if r.Method != http.MethodPost || v == nil || v.ViaToken || ownOnce[r.Pattern] || strings.HasPrefix(r.Pattern, "POST /cases/{id}/") ||
			ct != "application/x-www-form-urlencoded" {
			return h(w, r)
		}
		if err := r.ParseForm(); err != nil {
			return err
		}
		key := r.PostForm.Get(idempotencyField)
		if key == "" {
			return h(w, r)
		}
		var herr error
		res, repeat, err := s.once(r.Context(), "form:"+v.User.ID+":"+r.URL.Path, key, formDigest(r.PostForm, nil), func() (string, error) {
			rec := &statusWriter{ResponseWriter: w}
			herr = h(rec, r)
			if herr == nil && rec.status == http.StatusSeeOther {
				return rec.Header().Get("Location"), nil
			}
			return "", errNotCreated
		})
		switch {
		case errors.Is(err, errNotCreated):
			return herr
		case kasuhara.ErrorFields(err)[idempotencyField].Code == kasuhara.FieldKeyReused:
			return h(w, r)
		case err != nil:
			return err
		case repeat:
			http.Redirect(w, r, localPath(res), http.StatusSeeOther)
		}
		return nil
	}
}
