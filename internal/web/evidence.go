package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/blob"
)

// Blobs stores evidence files encrypted at rest (internal/blob).
type Blobs interface {
	Put(ctx context.Context, r io.Reader, maxBytes int64) (blob.Blob, error)
	Open(id string) (*blob.Reader, error)
	// Verify checks a whole file against its recorded SHA-256; a mismatch
	// fails with blob.ErrCorrupt.
	Verify(id, wantSHA256 string) error
	Delete(id string) error
}

// MaxFilesPerRequest caps the files of one upload or report.
const MaxFilesPerRequest = 10

// uploadLimit is the body limit of a request that carries files.
func (s *Server) uploadLimit() int64 { return s.MaxUpload*MaxFilesPerRequest + MaxJSONBytes }

// blobError turns a blob store refusal into the contract's error.
func blobError(err error) error {
	var ute *blob.UnsupportedTypeError
	switch {
	case errors.As(err, &ute):
		return &kasuhara.Error{Code: kasuhara.EUNSUPPORTED, Message: "files of type " + ute.Detected + " are not accepted",
			Fields: kasuhara.FieldErrors{"file": {Code: kasuhara.FieldFileType}}}
	case errors.Is(err, blob.ErrTooLarge):
		return &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "file too large", Fields: kasuhara.FieldErrors{"file": {Code: kasuhara.FieldFileTooLarge}}}
	case errors.Is(err, blob.ErrEmpty):
		return kasuhara.InvalidField("file", kasuhara.FieldEmpty)
	}
	return err
}

// multipartForm reads a multipart request part by part: text fields into
// values (bounded), each file streamed straight into the blob store. On any
// error the files stored so far are deleted again.
type multipartForm struct {
	values map[string][]string
	files  []kasuhara.Evidence
	// chosen are the names of the files sent, kept or not, to say which
	// ones to choose again when the form is shown again.
	chosen []string
	// hashed tells that the files were read for their SHA-256 only, not
	// stored (files has no BlobID): the request repeats one already done.
	hashed bool
}

const maxFieldBytes = 1 << 20

// readMultipart reads the form. A file refused for its type or its size
// does not end the reading: the rest of the form is read (its files are not
// kept), and the error names the file by its name, so that
// the form can be shown again with everything typed (issue 18). On such an
// error, and on a body over its limit, the form read so far comes back
// with the error, without files; on any other error it is nil.
func (s *Server) readMultipart(r *http.Request) (*multipartForm, error) {
	return s.readMultipartWith(r, nil)
}

// readMultipartWith is readMultipart that, at the first file, asks repeat
// with the fields read so far (the form's idempotency key comes before its
// files) whether the request repeats one already done; then its files are
// only hashed, never stored (multipartForm.hashed).
func (s *Server) readMultipartWith(r *http.Request, repeat func(values map[string][]string) bool) (*multipartForm, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return nil, &kasuhara.Error{Code: kasuhara.EUNSUPPORTED, Message: "send multipart/form-data"}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed multipart body", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldMalformed}}}
	}
	f := &multipartForm{values: map[string][]string{}}
	var refused error // the first file refused
	fieldBytes := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			if refused != nil {
				s.discard(f)
				return f, refused
			}
			return f, nil
		}
		if err != nil {
			s.discard(f)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return f, err
			}
			return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed multipart body", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldMalformed}}}
		}
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, int64(maxFieldBytes-fieldBytes+1)))
			if err != nil {
				s.discard(f)
				return nil, cutShort(err)
			}
			if fieldBytes+len(b) > maxFieldBytes {
				// A text over the limit of the form's texts: it is
				// dropped and named, and the rest of the form is read.
				part.Close()
				if refused == nil {
					refused = &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "form fields too large",
						Fields: kasuhara.FieldErrors{part.FormName(): {Code: kasuhara.FieldTooLong}}}
				}
				continue
			}
			fieldBytes += len(b)
			f.values[part.FormName()] = append(f.values[part.FormName()], string(b))
			continue
		}
		if part.FormName() != "file" && part.FormName() != "files" {
			part.Close()
			continue
		}
		if len(f.files) == MaxFilesPerRequest {
			s.discard(f)
			return nil, &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "too many files", Fields: kasuhara.FieldErrors{"file": {Code: kasuhara.FieldTooManyFiles}}}
		}
		f.chosen = append(f.chosen, part.FileName())
		if len(f.chosen) == 1 && repeat != nil {
			f.hashed = repeat(f.values)
		}
		if f.hashed {
			h := sha256.New()
			n, err := io.Copy(h, part)
			part.Close()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return f, err
				}
				return nil, cutShort(err)
			}
			if n > 0 {
				f.files = append(f.files, kasuhara.Evidence{Filename: part.FileName(), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
			}
			continue
		}
		b, err := s.Blobs.Put(r.Context(), part, s.MaxUpload)
		part.Close() // reads the rest of a refused file
		if errors.Is(err, blob.ErrEmpty) && part.FileName() != "" {
			// A browser sends an empty part for an empty file input.
			continue
		}
		if named := s.refusedFile(part, err); named != nil {
			if refused == nil {
				refused = named
			}
			continue
		}
		if err != nil {
			s.discard(f)
			return nil, cutShort(blobError(err))
		}
		f.files = append(f.files, kasuhara.Evidence{BlobID: b.ID, Filename: part.FileName(), MediaType: b.MediaType, Size: b.Size, SHA256: b.SHA256})
	}
}

// refusedFile is the error of a file refused for its type (415) or its
// size (413), naming the file under the field "file" (the API's contract,
// whichever of file and files it came in); nil for any other outcome.
func (s *Server) refusedFile(part *multipart.Part, err error) error {
	var ute *blob.UnsupportedTypeError
	const field = "file"
	switch {
	case errors.As(err, &ute):
		return &kasuhara.Error{Code: kasuhara.EUNSUPPORTED, Message: "files of type " + ute.Detected + " are not accepted",
			Fields: kasuhara.FieldErrors{field: {Code: kasuhara.FieldFileRefused, Args: map[string]any{"Name": part.FileName()}}}}
	case errors.Is(err, blob.ErrTooLarge):
		return &kasuhara.Error{Code: kasuhara.ETOOLARGE, Message: "file too large",
			Fields: kasuhara.FieldErrors{field: {Code: kasuhara.FieldFileOverLimit, Args: map[string]any{"Name": part.FileName(), "MB": s.MaxUpload >> 20}}}}
	}
	return nil
}

// cutShort is err, except that a body that ends inside a part is the
// client's malformed body (400), not a failure of the server.
func cutShort(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &kasuhara.Error{Code: kasuhara.EINVALID, Message: "malformed multipart body", Fields: kasuhara.FieldErrors{"body": {Code: kasuhara.FieldMalformed}}}
	}
	return err
}

// discard deletes stored files of a request that failed, so that no file is
// left without its record.
func (s *Server) discard(f *multipartForm) {
	if f == nil {
		return
	}
	for _, e := range f.files {
		if e.BlobID != "" {
			_ = s.Blobs.Delete(e.BlobID)
		}
	}
	f.files = nil
}

func (f *multipartForm) get(k string) string {
	if v := f.values[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// uploadEvidence adds files to a case: the reporter and those who handle it.
// It files once per idempotency key (issue 18): the API's Idempotency-Key
// header, or the form's hidden field, which the page puts before the file
// input so that it is read before any file. When the key's first request
// is done already, the files are only hashed, not stored: the same files
// answer the evidence recorded the first time; other files with the key
// are refused as the key reused (the API), or to be chosen again (the
// page, whose repeat drew a new key). A repeat that arrives while the
// first is still at work (two taps at once) stores its files, waits for
// the first, and deletes them again.
func (s *Server) uploadEvidence(r *http.Request, api bool) ([]kasuhara.Evidence, error) {
	v := viewerFrom(r.Context())
	actor := v.Actor
	id := r.PathValue("id")
	// Check access before reading any file.
	if _, err := s.Cases.EvidenceList(r.Context(), actor, id); err != nil {
		return nil, err
	}
	scope := "user:" + v.User.ID
	keyOf := func(values map[string][]string) string {
		if api {
			return r.Header.Get("Idempotency-Key")
		}
		if k := values[idempotencyField]; len(k) > 0 {
			return k[0]
		}
		return ""
	}
	repeat := func(values map[string][]string) bool {
		key := keyOf(values)
		if key == "" || s.Idempotency == nil || checkIdempotencyKey(key) != nil {
			return false
		}
		done, err := s.Idempotency.IdempotentFinished(r.Context(), scope, key)
		return err == nil && done
	}
	f, err := s.readMultipartWith(r, repeat)
	if err != nil {
		return nil, err
	}
	if len(f.files) == 0 {
		return nil, kasuhara.InvalidField("file", kasuhara.FieldRequired)
	}
	key := keyOf(f.values)
	var out []kasuhara.Evidence
	add := func() (string, error) {
		if f.hashed {
			return "", errNotStored // the key was let go meanwhile
		}
		var ids []string
		for i, e := range f.files {
			got, err := s.Cases.AddEvidence(r.Context(), actor, id, e)
			if err != nil {
				f.files = f.files[i:]
				s.discard(f)
				return "", err
			}
			out = append(out, *got)
			ids = append(ids, got.ID)
		}
		return strings.Join(ids, ","), nil
	}
	res, repeated, err := s.once(r.Context(), scope, key, "evidence:"+r.URL.Path+"?"+formDigest(f.values, f.files), add)
	reused := kasuhara.ErrorFields(err)[idempotencyField].Code == kasuhara.FieldKeyReused
	switch {
	case f.hashed && (reused || errors.Is(err, errNotStored)):
		if api {
			return nil, err
		}
		return nil, &kasuhara.Error{Code: kasuhara.EINVALID, Message: "the files were not kept: choose them again",
			Fields: kasuhara.FieldErrors{"file": {Code: kasuhara.FieldChooseAgain, Args: map[string]any{"Names": strings.Join(f.chosen, ", ")}}}}
	case reused && !api:
		// The page's key with other files (Back, others chosen, sent):
		// a new upload.
		_, err = add()
		return out, err
	case err != nil:
		if len(out) == 0 {
			s.discard(f)
		}
		return out, err
	case !repeated:
		return out, nil
	}
	// The same upload again: its files (if stored) go, the first ones answer.
	s.discard(f)
	all, err := s.Cases.EvidenceList(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	for _, want := range strings.Split(res, ",") {
		for _, e := range all {
			if e.ID == want {
				out = append(out, e)
			}
		}
	}
	if len(out) == 0 {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "evidence not found")
	}
	return out, nil
}

// errNotStored tells once that a repeat's files, only hashed, cannot be
// filed: its key was let go between the look and the claim.
var errNotStored = errors.New("web: the files were hashed, not stored")

func (s *Server) uiUploadEvidence(w http.ResponseWriter, r *http.Request) error {
	return s.caseAction(w, r, "evidence", "case.evidence_added", func(kasuhara.Actor, string) error {
		_, err := s.uploadEvidence(r, false)
		return err
	})
}

// downloadEvidence streams a file decrypted, with range requests so that
// audio and video play and seek in the browser. Every request is audited.
func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request) error {
	actor := viewerFrom(r.Context()).Actor
	e, err := s.Cases.EvidenceByID(r.Context(), actor, r.PathValue("id"), r.PathValue("evidence"))
	if err != nil {
		return err
	}
	f, err := s.Blobs.Open(e.BlobID)
	if err != nil {
		return err
	}
	defer f.Close()
	// A whole download is checked against the recorded SHA-256 as it
	// streams; a part of the file (a Range request) after checking the
	// whole of it, since a part cannot be checked alone — unless it was
	// checked whole within the last verifiedFor (a playback's seeks).
	if r.Header.Get("Range") != "" && !s.verified.recent(e.BlobID, e.SHA256) {
		if err := s.Blobs.Verify(e.BlobID, e.SHA256); errors.Is(err, blob.ErrCorrupt) {
			s.verified.forget(e.BlobID, e.SHA256)
			return s.evidenceMismatch(r, e, "download", err)
		} else if err != nil {
			return err
		}
		s.verified.remember(e.BlobID, e.SHA256)
	}
	checked := blob.NewChecked(f, f.Size(), e.SHA256)
	h := w.Header()
	h.Set("Content-Type", e.MediaType)
	// The file is served as data, never as a page of this site.
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("ETag", `"`+e.SHA256+`"`)
	disposition := "attachment"
	if strings.HasPrefix(e.MediaType, "image/") || strings.HasPrefix(e.MediaType, "audio/") || strings.HasPrefix(e.MediaType, "video/") {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": e.Filename}))
	http.ServeContent(w, r, "", e.UploadedAt, checked)
	if checked.Failed() {
		s.verified.forget(e.BlobID, e.SHA256)
		// The client has all but the last bytes: end the response without
		// finishing it, so that it cannot be taken for the file.
		_ = s.evidenceMismatch(r, e, "download", blob.ErrCorrupt)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// evidenceMismatch logs (without the file's name) and audits that evidence
// e no longer hashes to its recorded SHA-256, and returns the error that
// names it.
func (s *Server) evidenceMismatch(r *http.Request, e *kasuhara.Evidence, during string, cause error) error {
	ctx := r.Context()
	s.Logger.Error("evidence does not match its recorded hash", "request_id", requestID(ctx), "case_id", e.CaseID,
		"evidence_id", e.ID, "during", during, "err", cause)
	if err := s.Cases.EvidenceMismatch(context.WithoutCancel(ctx), viewerFrom(ctx).Actor, e.CaseID, e.ID, during); err != nil {
		s.Logger.Error("evidence mismatch: audit", "request_id", requestID(ctx), "evidence_id", e.ID, "err", err)
	}
	return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "evidence " + e.ID + " does not match its recorded SHA-256",
		Fields: kasuhara.FieldErrors{"evidence": {Code: kasuhara.FieldHashMismatch, Args: map[string]any{"ID": e.ID}}}, Err: cause}
}
