package web

import (
	"mime"
	"net/http"
	"strings"

	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/document"
)

// exportLang is the language of an export: ?lang=, else the request's.
func exportLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		return l
	}
	if isAPI(r) {
		return apiLang(r)
	}
	return langFrom(r.Context())
}

// locale is the catalogue in lang and the time zone of every date a
// document prints.
func (s *Server) locale(lang string) document.Locale {
	return document.Locale{Loc: s.Catalog.Localizer(lang), Zone: calendar.JST}
}

// sendFile answers a document as a download: its type, a file name safe
// in a header and on every file system, and no copy kept on the way. A
// streamed document that fails after it has begun is cut short (a broken
// ZIP does not verify) and the cause logged: the answer has begun, so
// there is no error to return.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, f document.File) {
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFileName(f.Name)}))
	h.Set("Cache-Control", "private, no-store")
	if err := f.Write(w); err != nil {
		s.Logger.Error("download", "request_id", requestID(r.Context()), "err", err)
	}
}

// safeFileName replaces what a file system or a header does not take in a
// file name (separators, control characters, quotes) with "_".
func safeFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if strings.Trim(name, ". ") == "" {
		return "download"
	}
	return name
}
